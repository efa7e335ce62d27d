"""Writes the web chat site that nginx serves in a deployment (docker-compose and Kubernetes).

In development webchat/server.py serves webchat/public/ and writes /config.js on the fly.
In a deployment nginx serves static files only, so this writes, once at start-up (the
`webchat-site` one-shot service in compose, the init container of the `webchat` pod in
Kubernetes), into OUT/:

  public/                  a copy of webchat/public/ (with vendor/socket.io.min.js, which the
                           image build took from webchat/package-lock.json)
  public/config.js         window.WEBCHAT_CONFIG, exactly as webchat/server.py writes it:
                           WEBCHAT_RASA_URL and the hospital settings (clinical/settings.py,
                           the same care-team numbers the answers carry)
  security-headers.conf    the headers webchat/server.py sends (Content-Security-Policy
                           and the rest), as nginx `add_header` lines, included by
                           deploy/nginx/default.conf for the static files

WEBCHAT_RASA_URL is the origin parents open the page on (https://chat.your-hospital.org): nginx
proxies /socket.io/ and /webhooks/ on that same origin to the Rasa replicas. An invalid
WEBCHAT_RASA_URL or hospital setting stops here with the setting's own message, so the page is
never served with a placeholder number.

    python webchat/site.py --out /srv/webchat
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Mapping, Optional

from clinical.settings import HospitalSettingsError, load_settings
from webchat.server import PUBLIC, config_script, rasa_url_from, security_headers

VENDOR_JS = Path("vendor") / "socket.io.min.js"


def nginx_headers(headers: Mapping[str, str]) -> str:
    lines = ["# Written by webchat/site.py from webchat/server.py's headers: do not edit.\n"]
    for name, value in headers.items():
        # inside nginx's double quotes, `$` starts a variable; a quote or a backslash ends or escapes
        if any(c in value for c in '"\\$\n'):
            raise ValueError(f"header {name} has a character nginx would misread: {value!r}")
        lines.append(f'add_header {name} "{value}" always;\n')
    return "".join(lines)


def write_site(out: Path, environ: Optional[Mapping[str, str]] = None, public: Path = PUBLIC) -> None:
    environ = os.environ if environ is None else environ
    rasa_url = rasa_url_from(environ)
    settings = load_settings(environ=environ)
    if not (public / VENDOR_JS).is_file():
        raise SystemExit(f"{public / VENDOR_JS} is missing: the image build copies it from webchat/node_modules.")
    out.mkdir(parents=True, exist_ok=True)
    site = out / "public"
    staging = out / ".public.new"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(public, staging)
    (staging / "config.js").write_bytes(config_script(rasa_url, settings))
    # the volume may hold the site of an earlier start: replace it whole
    shutil.rmtree(site, ignore_errors=True)
    staging.rename(site)
    (out / "security-headers.conf").write_text(nginx_headers(security_headers(rasa_url)))


# Development falls back to localhost and to the placeholder numbers; a deployment may not.
REQUIRED = {
    "WEBCHAT_RASA_URL": "the public origin of the web chat page, e.g. https://chat.your-hospital.org",
    "HOSPITAL_CARE_TEAM_PHONE": "the care team's phone number",
    "HOSPITAL_AFTER_HOURS_PHONE": "the after-hours phone number",
}


def missing_variables(environ: Mapping[str, str]) -> list:
    return [f"{name} is not set: {what}" for name, what in REQUIRED.items() if not environ.get(name, "").strip()]


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    missing = missing_variables(os.environ)
    if missing:
        print("\n".join(missing) + " (deploy/README.md)", file=sys.stderr)
        return 1
    try:
        write_site(args.out)
    except HospitalSettingsError as error:
        print(f"hospital settings: {error}", file=sys.stderr)
        return 1
    print(f"web chat site written to {args.out}/public (Rasa at {rasa_url_from(os.environ)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
