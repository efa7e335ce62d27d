#!/bin/sh
# Starts the content studio in its container (deploy/Dockerfile.studio's CMD), behind the hospital's
# login: the oauth2-proxy in front (compose's studio-login, the Kubernetes sidecar) shares its
# network namespace and names the person in X-Forwarded-User; the studio listens on loopback only.
# Its content is a clone of the hospital's repository on the data volume, made at the first start;
# each publish is a commit there, pushed to STUDIO_PUSH_REMOTE (origin) for a developer or the CI
# to merge (deploy/README.md "Content studio").
set -eu
cd /app

: "${STUDIO_REPO:?is not set: where the studio keeps its clone of the content, e.g. /data/repo}"
: "${STUDIO_STATE_DIR:?is not set: where the studio keeps drafts and work trees, e.g. /data/state}"
: "${STUDIO_TRUSTED_USER_HEADER:?is not set: the login proxy names the person in a header, e.g. X-Forwarded-User}"
: "${STUDIO_ACCOUNTS:?is not set: the file that gives each person their roles (deploy/README.md)}"
# The inbox reads the conversations from PostgreSQL (endpoints.production.yml's tracker store).
: "${POSTGRES_HOST:?is not set (deploy/README.md)}"
: "${POSTGRES_USER:?is not set (deploy/README.md)}"
: "${POSTGRES_PASSWORD:?is not set (deploy/README.md)}"

if [ ! -d "$STUDIO_REPO/.git" ]; then
  : "${STUDIO_REPO_URL:?is not set, and $STUDIO_REPO holds no clone: the git URL of the assistant's repository}"
  git clone --quiet "$STUDIO_REPO_URL" "$STUDIO_REPO"
fi
# No branch stays checked out in the clone (the studio edits in work trees of its own), so the
# base branch can follow the hospital's repository at every start, and publishing on it is allowed.
git -C "$STUDIO_REPO" checkout --quiet --detach
base="${STUDIO_BASE_BRANCH:-main}"
if ! git -C "$STUDIO_REPO" fetch --quiet origin "+refs/heads/$base:refs/heads/$base"; then
  echo "could not fetch $base from origin: the studio starts on the content it already has" >&2
fi
export STUDIO_BASE_BRANCH="$base"

# The settings fail here, with their own message, rather than at the first page.
python -c "from clinical.settings import load_settings; load_settings()"
exec python -m studio
