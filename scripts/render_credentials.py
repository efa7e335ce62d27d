"""Writes the credentials file the Rasa server starts with: the channels of credentials.yml
whose environment variables are set, with their values filled in.

credentials.yml writes a channel's settings as `${VARIABLE}` (required) or `${VARIABLE:-default}`
(optional). Rasa's own expansion stops the server when a variable is unset; here a channel with a
required variable unset (or empty) is left out instead, so the server starts without it. A channel
that uses no variables (rest, socketio) is always on. The file holds secrets: it is written
readable by its owner only, under run/ (not committed).

    python scripts/render_credentials.py [--template credentials.yml] [--out run/credentials.yml]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")


def load_template(path: Path) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def channel_label(key: str) -> str:
    """`addons.channels.twilio.TwilioInput` -> `twilio`; Rasa's own names stay as they are."""
    name = key.rsplit(".", 1)[-1]
    return name[: -len("Input")].lower() if name.endswith("Input") else name


def _strings(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def required_variables(settings: Any) -> List[str]:
    found = [m.group(1) for s in _strings(settings) for m in VARIABLE.finditer(s) if m.group(2) is None]
    return list(dict.fromkeys(found))


def all_variables(template: Mapping[str, Any]) -> List[str]:
    found = [m.group(1) for s in _strings(dict(template)) for m in VARIABLE.finditer(s)]
    return list(dict.fromkeys(found))


def _substitute(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(3) or ""), value)
    if isinstance(value, dict):
        rendered = {k: _substitute(v, env) for k, v in value.items()}
        return {k: v for k, v in rendered.items() if v != ""}  # an unset optional: the connector's default
    if isinstance(value, list):
        return [_substitute(v, env) for v in value]
    return value


def render(template: Mapping[str, Any], env: Mapping[str, str]) -> Tuple[Dict[str, Any], Dict[str, List[str]]]:
    """The effective credentials, and for each channel left off, its unset required variables."""
    on: Dict[str, Any] = {}
    off: Dict[str, List[str]] = {}
    for channel, settings in template.items():
        missing = [v for v in required_variables(settings) if not env.get(v)]
        if missing:
            off[channel] = missing
        else:
            on[channel] = _substitute(settings, env)
    return on, off


def write(credentials: Mapping[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".credentials-")
    try:
        with os.fdopen(fd, "w") as f:  # mkstemp: readable by the owner only
            f.write("# Written by scripts/render_credentials.py from credentials.yml: do not edit, do not commit.\n")
            yaml.safe_dump(dict(credentials), f, sort_keys=False, default_flow_style=False, allow_unicode=True)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def summary(
    on: Mapping[str, Any], off: Mapping[str, List[str]], template: Mapping[str, Any], env: Mapping[str, str]
) -> List[str]:
    lines = [f"channels on: {', '.join(channel_label(c) for c in on)}"]
    if off:
        lines.append(f"channels off (their variables are not set): {', '.join(channel_label(c) for c in off)}")
    for channel, missing in off.items():
        # some but not all of its variables set: most likely a mistake, so say what is missing
        if any(env.get(v) for v in required_variables(template[channel])):
            lines.append(f"  {channel_label(channel)} stays off: {', '.join(missing)} not set")
    return lines


def render_file(template_path: Path, out: Path, env: Optional[Mapping[str, str]] = None) -> List[str]:
    env = os.environ if env is None else env
    template = load_template(template_path)
    on, off = render(template, env)
    write(on, out)
    return summary(on, off, template, env)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=ROOT / "credentials.yml")
    parser.add_argument("--out", type=Path, default=ROOT / "run" / "credentials.yml")
    args = parser.parse_args(argv)
    for line in render_file(args.template, args.out):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
