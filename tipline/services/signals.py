"""Domain events other services subscribe to (e.g. SMS forgets a number when its tip closes)."""

from blinker import Namespace

_events = Namespace()

tip_closed = _events.signal("tip-closed")  # sender: the Tip, inside the closing transaction
