# The All My SMS step as an image that elastic.io's conventions and the Open Integration Hub can both start.
#   docker build --build-arg VERSION="$(python3 -c 'import json; print(json.load(open("component.json"))["version"])')" \
#                -t REGISTRY/allmysms-component:VERSION .
# elastic.io runs `sail.sh` (the step) or `serve.sh verifyCredentials`; OIH runs the image's own CMD (sail.sh) with
# environment only. The worker picks its dialect from that environment. See README.md, "Deploying".
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ARG BASE_IMAGE
# The version the build checks against the installed package's (empty: not checked) and puts in the labels.
ARG VERSION=""
# A folder of wheels inside the build context (e.g. made by `pip wheel -w wheelhouse .`): install from it alone,
# without an index, for builds that cannot reach PyPI. Empty: install the checkout, dependencies from PyPI.
ARG WHEELHOUSE=""

LABEL org.opencontainers.image.title="All My SMS" \
      org.opencontainers.image.description="Integration-platform step that sends SMS through the AllMySMS HTTPS API (elastic.io sailor and OIH Ferryman protocols)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"

# tini reaps children and forwards signals (-e 143: a SIGTERM exit counts as clean, as in elastic.io's images);
# Debian's python3-venv only where the base has no Python of its own (python:3.11-slim has one). Packages are not
# pinned: they follow the base image's Debian release and its security updates.
# The step's user is numeric, so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
# Each RUN says `set -eu` itself: podman's default OCI format ignores SHELL.
# hadolint ignore=DL3008
RUN set -eu; \
    set -- tini; \
    python3 -c 'import ensurepip, venv' 2>/dev/null || set -- "$@" python3-venv; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --gid 10001 component; \
    useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin component

# The launchers' folder first: the platform's command is the bare `sail.sh` or `serve.sh`.
ENV PATH="/app:/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app

# The checkout is mounted for this one step, not copied: no layer of the image holds the source. pip leaves the
# venv once the project is in (nothing installs at run time); the files the platform reads are root's, read-only
# to the step's user.
RUN --mount=type=bind,source=.,target=/src,rw \
    set -eu; \
    python3 -m venv /opt/venv; \
    if [ -n "${WHEELHOUSE}" ]; then \
        /opt/venv/bin/pip install --no-cache-dir --no-index --find-links "/src/${WHEELHOUSE}" \
            "/src/${WHEELHOUSE}"/allmysms_component-*.whl; \
    else \
        /opt/venv/bin/pip install --no-cache-dir /src; \
    fi; \
    /opt/venv/bin/pip uninstall --yes pip setuptools; \
    cp /src/component.json /src/logo.png /src/sail.sh /src/serve.sh /app/; \
    installed="$(allmysms-component --version)"; \
    echo "${installed}"; \
    [ -z "${VERSION}" ] || [ "${installed}" = "allmysms-component ${VERSION}" ]

USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "-e", "143", "--"]
CMD ["sail.sh"]
