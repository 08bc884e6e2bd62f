"""The SMS webhook: verify the gateway's signature, parse, one service call, answer with the gateway's markup."""

from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms")

from tipline.blueprints.sms import routes  # noqa: E402,F401
