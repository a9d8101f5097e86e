"""A real S3 endpoint for tests: moto in server mode on a free port of 127.0.0.1.

The session-scoped `s3_server` fixture points boto3 at it through the usual AWS
environment variables (restored after the session) and makes one bucket. Tests share the
bucket; each takes a prefix of its own (`files_url(prefix)`). Under pytest-xdist every
worker runs a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

BUCKET = "amity-test"
# boto3 reads these itself; a profile or a session token from the machine would get in the way
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
AWS_ENV_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@dataclass(frozen=True)
class S3Server:
    url: str
    """The endpoint, http://127.0.0.1:<port>."""
    bucket: str

    def files_url(self, prefix: str) -> str:
        """An AMITY_FILES_URL into the bucket: s3://<bucket>/<prefix>."""
        return f"s3://{self.bucket}/{prefix}"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 over HTTP, with AWS_ENDPOINT_URL and test credentials set for the session."""
    import boto3  # imported here: every test session loads this module, few use S3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        no_files = tmp_path_factory.mktemp("aws") / "none"  # no ~/.aws config or credentials
        with pytest.MonkeyPatch.context() as env:
            for name, value in AWS_ENV.items():
                env.setenv(name, value)
            for name in AWS_ENV_UNSET:
                env.delenv(name, raising=False)
            env.setenv("AWS_CONFIG_FILE", str(no_files))
            env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(no_files))
            env.setenv("AWS_ENDPOINT_URL", url)
            boto3.session.Session().client("s3").create_bucket(Bucket=BUCKET)
            yield S3Server(url, BUCKET)
    finally:
        server.stop()
