"""Coded errors and warnings, and the one error envelope used by the API, the CLI ``--json`` and import reports.

Codes: E1xxx bad input, E2xxx state conflict, E3xxx routing/provider, E4xxx auth, E5xxx internal.
W-codes are warnings: the input is accepted and the warning travels with the plan.
Every code here has one line in ``docs/errors.md`` (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# code -> (title, default action). The message of an Issue names the object; the title names the kind.
CODES: dict[str, tuple[str, str]] = {
    "E1000": ("several problems in the input", "Fix every problem listed in details, then retry."),
    "E1001": ("file not found or unreadable", "Check the path and the file permissions."),
    "E1002": ("empty input", "Give a file with a header row and at least one data row."),
    "E1003": ("text is not UTF-8", "Save the file as UTF-8 (in Excel: 'CSV UTF-8')."),
    "E1004": ("unsupported file format", "Use .csv, .xlsx, Doorstep .json or VROOM .json."),
    "E1005": ("malformed JSON", "Fix the JSON syntax at the position given."),
    "E1006": ("JSON does not match the schema", "Compare the object with the published JSON Schema."),
    "E1007": (
        "malformed VROOM problem",
        "Follow VROOM's API: jobs/shipments/vehicles with the documented keys.",
    ),
    "E1008": ("table too large", "Split the file: at most 100,000 rows, and a workbook of at most 200 MB unpacked."),
    "E1009": (
        "unreadable CSV",
        "Check the quoting (a quote left open swallows the rest of the file); a cell may hold 131,072 characters.",
    ),
    "E1010": ("job runner needs Redis", "Set DOORSTEP_REDIS_URL (the Celery broker) or DOORSTEP_JOB_RUNNER=inline."),
    "E1011": (
        "the scaled shape needs Redis and a shared database",
        "Set DOORSTEP_REDIS_URL (and DOORSTEP_DATABASE_URL to PostgreSQL for several API processes).",
    ),
    "E1012": (
        "the bounce mailbox needs its address",
        "Set DOORSTEP_BOUNCE_ADDRESS (e.g. bounces@mail.your-domain), the address late bounces are sent to.",
    ),
    "E1101": ("missing required column", "Add the column (see docs/input-formats.md for names and aliases)."),
    "E1102": ("missing required value", "Fill in the value."),
    "E1103": ("unparsable time", "Use HH:MM, an ISO-8601 date-time with offset, or seconds."),
    "E1104": ("time window ends before it starts", "Swap or correct the window's start and end."),
    "E1105": ("coordinates out of range", "Latitude must be within -90..90 and longitude within -180..180."),
    "E1106": ("coordinates look swapped", "Swap the latitude and longitude values."),
    "E1107": ("negative amount", "Sizes, capacities, durations and costs must be zero or more."),
    "E1108": ("not a number", "Write a plain number (no units, '.' as decimal separator)."),
    "E1109": ("unknown depot", "Use the id of a depot defined in the fleet."),
    "E1110": ("duplicate reference", "Give each order its own external_ref (ids must be unique)."),
    "E1111": ("unknown value", "Use one of the allowed values listed in the message."),
    "E1112": (
        "paired order lacks its pickup",
        "Give pickup_lat/pickup_lng (and optionally a pickup window).",
    ),
    "E1113": ("invalid time zone", "Use an IANA time zone name such as Europe/Lisbon."),
    "E1114": ("unknown vehicle type", "Use the id of a vehicle type defined in the fleet."),
    "E1115": ("invalid break", "A break needs a window inside the shift and a duration that fits in it."),
    "E1116": ("matrix does not match the locations", "Give square matrices with one row per location index."),
    "E1117": ("no vehicles", "Give a fleet file (--fleet) or vehicles in the input."),
    "E1118": ("no orders", "Give at least one order."),
    "E1119": ("invalid solver option", "See `doorstep plan --help` for allowed ranges."),
    "E1120": ("invalid plan file", "Give a plan.json written by `doorstep plan` (or edited from one)."),
    "E1121": ("too many time windows", "Merge windows: at most 8 per stop are supported."),
    "E1122": ("duplicate column", "Keep only one of the columns that mean the same thing."),
    "E1123": ("item without a description", "Say what the item is (e.g. 'Shoes, size 42')."),
    "E1124": ("invalid item quantity", "Give a whole number of at least 1 (at most 10,000 per item line)."),
    "E1125": (
        "invalid barcode",
        "Give the code as printed under the bars: 1 to 128 printable characters, no spaces at the ends.",
    ),
    "E1126": (
        "barcode repeated within the order",
        "Give each item its own barcode, or merge the lines into one with a quantity.",
    ),
    "E1127": ("too many items in one order", "Split the order: at most 200 item lines per order."),
    "E1128": ("item text too long", "Shorten it: descriptions up to 500 characters, SKUs up to 100."),
    "E1129": (
        "unreadable items cell",
        "Write items as '2x Shoes {SKU-1} [4006381333931]; 1x Bag' (see docs/input-formats.md).",
    ),
    "E1130": (
        "contradictory vehicle settings",
        "Choose one: end_depot_id (the route ends at that depot) or open_end; max_reloads needs reloads: true.",
    ),
    "E1131": (
        "webhook URL not allowed",
        "Use a public http(s) URL without credentials (DOORSTEP_WEBHOOK_ALLOW_PRIVATE=1: receivers on your network).",
    ),
    "E1132": (
        "text too long",
        "Shorten the cell: instructions up to 2,000 characters, addresses 500, names and references 200, phones 50.",
    ),
    "E1133": (
        "unknown template variable",
        "Use only the variables of the message's trigger (docs/notifications.md lists them).",
    ),
    "E1134": (
        "address not found",
        "Check the street's spelling and add the town or postcode; or give the latitude and longitude.",
    ),
    "E1135": (
        "address matches several places",
        "Add the town or postcode that tells them apart; or give lat/lng.",
    ),
    "E1136": (
        "address names only a postcode",
        "Give the street and house number (a postcode is an area, not a door); or give the latitude and longitude.",
    ),
    "E1401": ("position from the future", "Check the phone's clock (automatic date and time)."),
    "E1402": ("position too old", "Positions older than 24 hours are not tracking data; drop them."),
    "E1403": (
        "impossible jump between positions",
        "Discard the fix; if it repeats, check the phone's location settings (GPS on, high accuracy).",
    ),
    "E1410": (
        "driver login code invalid, expired or used",
        "Ask the dispatcher for a new code (codes work once, for 24 hours).",
    ),
    "E1411": ("driver session expired or invalid", "Log in again with a new code from the dispatcher."),
    "E1412": (
        "failure reason missing or unknown",
        "Pick a reason from the catalogue (docs/driver-app.md); reason other needs a note.",
    ),
    "E1413": (
        "photo too large",
        "Send a photo of at most the configured size (the app resizes photos before sending).",
    ),
    "E1414": ("photo is not an image", "Send a JPEG, PNG or WebP photo."),
    "E1415": ("signature is not a PNG image", "Send the signature canvas as a PNG (at most 500 kB)."),
    "E1416": ("stop not on your route", "Reload your routes; the stop may have moved to another driver."),
    "E1417": ("too many positions in one batch", "Send at most 1,000 positions per request."),
    "E1418": (
        "event dated in the future",
        "Set the phone's clock to automatic time; an event may be at most 5 minutes ahead of the server.",
    ),
    "E1419": (
        "driver has no usable address for an invite channel",
        "Set the driver's phone in international format (+351 912 345 678) for SMS, or a valid email, then retry.",
    ),
    "E1420": (
        "message channel not configured",
        "Configure it (DOORSTEP_SMTP_URL for email, DOORSTEP_SMS_URL for SMS) or invite on another channel.",
    ),
    "E1450": (
        "order cannot join the live plan",
        "Give a new order of the plan's depot and day (not planned, dispatched or cancelled).",
    ),
    "E1451": (
        "tracking link not found",
        "Use the link as it was sent; links expire (3 days by default) and can be revoked: ask the sender for a new "
        "one.",
    ),
    "E1454": ("rating out of range", "Rate the delivery with a whole number from 1 to 5."),
    "E1455": ("unknown feedback tag", "Use only the tags the tracking page offers (docs/tracking.md lists them)."),
    "E1456": ("feedback comment too long", "Keep the comment to at most 1,000 characters."),
    "E1457": (
        "delivery instructions too long",
        "Keep instructions to at most 500 characters and the safe place to at most 200.",
    ),
    "E1452": ("return not possible for this order", "Request returns for delivered orders only, once per order."),
    "E1453": (
        "unknown barcode",
        "Scan the parcel's label again or type the barcode; it must belong to a return on its way.",
    ),
    "E1460": ("unknown notification trigger", "Use one of the triggers listed in the message (docs/notifications.md)."),
    "E1461": ("invalid message channels", "List distinct channels among email and sms; an enabled rule needs one."),
    "E1462": (
        "invalid notification rule",
        "Fix the field named in loc: known settings only, whole numbers within the range in the message.",
    ),
    "E1463": ("invalid quiet hours", "Give start and end as different local times HH:MM, or null for none."),
    "E1464": (
        "invalid sender branding",
        "Give a name of at most 100 characters and a colour as #rrggbb.",
    ),
    "E1465": (
        "invalid logo",
        "Give an https:// image URL, or a data:image/png or data:image/svg+xml base64 URL of at most 50 KB; or empty.",
    ),
    "E1466": (
        "invalid message template",
        "Give trigger, language (en, fr, de, es, pt) and the four sections subject, sms, text, html as texts.",
    ),
    "E1480": ("invalid date range", "Give from and to as YYYY-MM-DD dates, from on or before to."),
    "E1481": ("date range too long", "Ask for at most 366 days per request; split a longer period."),
    "E1482": ("unknown delivery zone", "Give the id of a zone of the slot policy (GET /v1/analytics/zones), or none "
              "for the orders outside every zone."),
    "E1490": ("invalid forecast horizon", "Give days as a whole number from 1 to 28."),
    "E1491": ("unknown forecast grouping", "Use group_by=day or group_by=zone."),
    "E1492": (
        "invalid staffing request",
        "Give days from 1 to 28 and time_limit_s from 1 to 60 seconds (per depot and day).",
    ),
    "E2101": (
        "stop already done or under way",
        "Only stops not yet started can be moved, removed or re-sequenced; record a failure instead.",
    ),
    "E2102": ("order not on the plan", "Check the order id; unassigned orders are inserted, not moved."),
    "E2103": (
        "change not supported for this route",
        "Re-plan the route's remaining stops in full (see docs/live.md for what live changes cover).",
    ),
    "E2110": ("order cancelled", "The order was cancelled; skip the stop and reload the route."),
    "E2111": ("stop already finished", "The stop was already completed or failed; reload the route."),
    "E2112": ("client id reused for another action", "Generate a new client id for every new action."),
    "E2113": ("route no longer live", "The route was replaced or never published; reload your routes."),
    "E2130": ("no live plan", "Publish a plan for the depot and day first (live changes apply to the published plan)."),
    "E2131": ("proposal out of date", "A route changed since the proposal was made; ask for a new proposal."),
    "E2132": ("proposal already decided", "Each proposal is approved or rejected once; ask for a new one."),
    "E2133": ("return already received", "Nothing to do: the parcel was already scanned in at the depot."),
    "E2134": (
        "proposal expired",
        "The day moved on since it was computed (DOORSTEP_PROPOSAL_TTL_S); ask for a new proposal.",
    ),
    "E2135": (
        "the route's shift is over",
        "The van cannot leave its last stop before its shift ends: move its open stops to another van or day.",
    ),
    "E2136": (
        "no route reaches the order's new place",
        "Give another place or a wider window, or cancel the order and add it again for another day.",
    ),
    "E2140": (
        "map matching needs a road network",
        "Set DOORSTEP_NETWORK to a network built with `doorstep network build` and restart; "
        "or ask for the trail without matched=true.",
    ),
    "E2141": (
        "road paths need a road network",
        "Set DOORSTEP_NETWORK to a network built with `doorstep network build` and restart; the maps then draw "
        "straight lines from stop to stop.",
    ),
    "E2142": (
        "the road network does not join every stop",
        "A stop lies off the network's roads (outside its extract, or only reachable through a zone the vehicle "
        "may not enter): check the stop's place, or build the network from a larger extract.",
    ),
    "E2150": ("planning job cancelled", "Retry the plan when you want it computed (POST /v1/plans/{id}/retry)."),
    "E2151": ("planning job already finished", "Only a queued or running job can be cancelled; reload the plan."),
    "E2190": ("no plan to compare with", "Publish a plan for the depot and day first, or name one with ?with=."),
    "E2170": (
        "feedback not open yet",
        "A delivery can be rated once it has been delivered; try again after the driver completes the stop.",
    ),
    "E2171": (
        "changes closed",
        "The driver is nearly there (your stop is among their next three) or the delivery is over; contact the sender.",
    ),
    "E2172": (
        "window no longer on offer",
        "Choose one of the windows still on offer (listed with this answer); the plan changed since they were shown.",
    ),
    "E2173": (
        "address too far from the one booked",
        "Choose an address near the one the parcel was booked to (the suggestions list only those), or contact the "
        "sender.",
    ),
    "E2174": (
        "this delivery cannot change its address here",
        "Only a delivery to a door, not yet planned or on today's route, can move to another address; contact the "
        "sender.",
    ),
    "E2160": (
        "event has no failing handler",
        "Nothing to retry: its handlers succeeded or are still waiting for their first run.",
    ),
    "E3001": ("unknown routing profile", "Use one of car, van, bike, foot."),
    "E3002": (
        "OpenStreetMap file not found or unreadable",
        "Give the path of an .osm.pbf extract (e.g. a Geofabrik download).",
    ),
    "E3003": (
        "OpenStreetMap file is corrupt or truncated",
        "Download the extract again and check its size or checksum.",
    ),
    "E3004": ("network build failed", "Check free disk space and memory; rerun with --debug and read the tool output."),
    "E3005": ("not a road network folder", "Build one with `doorstep network build FILE.osm.pbf --out DIR`."),
    "E3006": (
        "network built for another profile",
        "Build a network for the vehicles' profile (doorstep network build --profile ...).",
    ),
    "E3007": (
        "road network cannot be loaded",
        "Rebuild the network with this Doorstep version (doorstep network build).",
    ),
    "E3008": (
        "location cannot be routed",
        "Check the coordinates: they must lie on or near a road inside the network's area.",
    ),
    "E3009": ("routing server unreachable", "Start the server or fix its URL; or plan without it (straight line)."),
    "E3010": (
        "routing server gave an invalid answer",
        "Check the server's profile and version; its answer is quoted in the message.",
    ),
    "E3011": ("invalid points file", 'Give a JSON list of {"lat": .., "lng": ..} objects.'),
    "E3012": ("GPS trace cannot be matched", "Give at least two fixes that lie on roads, in time order."),
    "E3013": (
        "invalid traffic settings",
        "Give 168 positive hour-of-week factors (Monday 00h first) and a weather factor >= 1.",
    ),
    "E3014": (
        "too many access zones for a road network",
        "Give each zone once, at most 2 on a car or van network (3 on bike, foot); merge zones into a MultiPolygon.",
    ),
    "E3015": (
        "no address index",
        "Rebuild the network with `doorstep network build` (it writes addresses.sqlite), or give lat/lng.",
    ),
    "E1301": ("invalid request field", "Correct the field named in loc (see the OpenAPI schema at /docs)."),
    "E1302": ("no such object", "Check the id; objects of other organizations are not visible."),
    "E1303": ("request body too large", "Send a smaller body: split bulk requests or upload smaller files."),
    "E1304": ("method not allowed", "Use one of the methods the endpoint allows (see /docs)."),
    "E1305": ("too many items in one request", "Send at most 1,000 orders per bulk request."),
    "E1306": ("invalid cursor", "Pass back the next_cursor value of the previous page unchanged."),
    "E1307": ("no such endpoint", "Check the URL against the API reference at /docs."),
    "E1308": ("invalid stop edit", "Move an order that is on the plan to a position inside the target route."),
    "E1309": (
        "invalid web origin",
        "Give each origin as scheme and host (and port), as a browser sends it: https://shop.example, at most 20.",
    ),
    "E2001": ("idempotency key reused with a different request", "Use a new Idempotency-Key for a new request."),
    "E2002": ("stale version", "Reload the object and apply the change to its current version."),
    "E2003": ("a planning job is already running", "Wait for the running job to finish, or cancel it."),
    "E2004": ("status change not allowed", "Check the object's status; see docs/api.md for allowed changes."),
    "E2005": ("route is locked", "Unlock the route before editing or re-planning it."),
    "E2006": ("plan not ready", "Wait until the plan job has succeeded."),
    "E2007": ("already exists", "Use another value; this one is taken in your organization."),
    "E2008": ("object in use", "Remove or move what refers to it first."),
    "E2009": (
        "a request with this Idempotency-Key is still in progress",
        "Retry after the number of seconds in Retry-After: you then get the first request's answer.",
    ),
    "E2010": ("changed by a concurrent request", "Reload what the request refers to, then retry."),
    "E2011": (
        "the request with this Idempotency-Key was applied, but its answer was lost",
        "Do not send it again: read the object (e.g. by its external reference) to see the result.",
    ),
    "E4001": ("authentication required", "Send an API key (Authorization: Bearer ...) or log in."),
    "E4002": ("not allowed for this role or key", "Ask an admin for a role or key scope that allows it."),
    "E4003": ("too many requests", "Wait for the number of seconds in Retry-After, then retry."),
    "E4004": ("wrong email or password", "Check the credentials; passwords are case-sensitive."),
    "E4005": ("secret not configured", "Set DOORSTEP_SECRET_KEY (required outside development)."),
    "E4006": (
        "secret key too short",
        "Set DOORSTEP_SECRET_KEY to 32 or more random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(32))').",
    ),
    "E4007": (
        "this key may not be used from this web origin",
        "Add the page's origin to the publishable key's origins (PATCH /v1/api-keys/{id}).",
    ),
    "E5001": ("internal error", "Retry; if it persists, report it with the log file."),
    "E5002": ("the database is busy", "Retry after the number of seconds in Retry-After."),
    "W1201": ("location far from its depot", "Check the coordinates; they may be mistyped."),
    "W1202": ("unknown column ignored", "Rename the column to a documented name or alias, or drop it."),
    "W1203": (
        "order larger than any vehicle",
        "Split the order or add a larger vehicle; it will be unassigned.",
    ),
    "W1204": ("skill offered by no vehicle", "Add a vehicle with the skill; the order will be unassigned."),
    "W1205": ("row skipped", "Fix the row and import it again; the rest of the file was planned."),
    "W1206": (
        "input field ignored",
        "Remove the field; Doorstep does not use it (see docs/input-formats.md).",
    ),
    "W1207": (
        "objective approximated for a vehicle",
        "Drop the vehicle's max distance, or plan with --objective cost (see docs/modelling.md).",
    ),
    "W1208": (
        "plan not finished in the time limit",
        "Plan again with a longer time limit: unused vehicles could still serve the orders left out.",
    ),
    "W1209": ("coordinates look swapped", "Swap the latitude and longitude values if the place is near the depot."),
    "W1210": (
        "email address unusable",
        "Fix the address (name@example.com): no email goes to this customer until then; the order is stored.",
    ),
    "W1211": (
        "phone number unusable",
        "Write it in international format (+351 912 345 678): no SMS goes to this customer until then.",
    ),
    "W1212": (
        "address placed approximately",
        "Check the pin: the house number is not in the address data; the stop is on its street or between two numbers.",
    ),
    "W1700": (
        "goods ready after the order's window",
        "The trunk run arrives too late for this delivery: move the window, or bring the goods on an earlier run.",
    ),
    "W1401": (
        "position with poor accuracy",
        "Kept as a sign of life; move to open sky or enable high-accuracy location.",
    ),
    "W1410": (
        "completion far from the stop",
        "Kept and flagged for the dispatcher; check the address or the phone's location.",
    ),
    "W1411": (
        "scanned barcode belongs to no item of the order",
        "Check the parcel: it may be another customer's; the delivery was recorded and flagged.",
    ),
    "W1412": (
        "item barcodes not scanned",
        "Check that every item was handed over; the delivery was recorded and flagged.",
    ),
    "W1413": (
        "dispatched without a driver",
        "No driver's app shows the route: assign a driver (POST /v1/routes/{id}/assign); a dispatched route takes one.",
    ),
    "W1746": (
        "large day planned in parts",
        "Nothing to do; a route never crosses a part boundary (docs/modelling.md, 'Large days').",
    ),
    "W1747": (
        "merged plan has a violation",
        "Report it with the plan: the checker found a violation in a part's route (a bug); re-plan meanwhile.",
    ),
    "W1490": (
        "too little order history for the forecast",
        "Forecasts sharpen after two weeks of orders; until then it repeats the last same weekday.",
    ),
    "W1720": (
        "carrier past its cut-off: not offered",
        "Plan before the carrier's cut-off on the delivery day, or change its cutoff in the carriers file.",
    ),
    "W3001": ("location far from any road", "Check the coordinates; orders there are unassigned as UNREACHABLE."),
    "W3002": (
        "road network used for another vehicle profile",
        "Build a network for this profile to get its own speeds and access rules.",
    ),
    "W3003": (
        "routing server failed: straight-line travel used",
        "Check the routing server; travel times of this plan are approximate.",
    ),
    "W3004": (
        "matrix cache unusable",
        "Check the cache folder's permissions and free space; planning went on without it.",
    ),
    "E1550": ("invalid slot policy", "Fix every value listed in details (docs/slots.md describes the policy)."),
    "E1551": (
        "invalid slot offer request",
        "Give a location or an address, date_from <= date_to at most 14 days apart, and parcels of at least 1.",
    ),
    "E1552": ("address outside every delivery zone", "No windows are offered there; check the address or the zones."),
    "E1553": ("load larger than every vehicle", "Split the order: the limit per dimension is named in the message."),
    "E1554": (
        "no pickup service level",
        "An admin adds a service level of kind pickup to the slot policy (docs/slots.md, pickup points).",
    ),
    "E2250": ("no slot policy", "An admin sets one first: PUT /v1/slots/policy (docs/slots.md)."),
    "E2251": ("slot offer expired", "Ask for offers again (POST /v1/slots/offers); an offer lives a few minutes."),
    "E2252": ("slot full", "Choose another window: this one reached its maximum of orders."),
    "E2253": ("slot hold expired", "Ask for offers again and hold a window; the place was freed."),
    "E2254": ("offer already held", "Use the hold already made on this offer (its id is in details)."),
    "E2255": ("slot closed for booking", "Choose a later window: this one passed its cut-off."),
    "E2256": ("slot hold already confirmed", "Cancel the order (POST /v1/orders/{id}/cancel) to free its place."),
    "E1570": ("invalid pickup point", "Fix every value listed in details (docs/slots.md, pickup points)."),
    "E1571": (
        "invalid opening hours",
        'Give hours as {"mon": [["09:00", "19:00"]], ...}: HH:MM pairs, closing after opening (24:00 allowed).',
    ),
    "E1572": (
        "order window outside the pickup point's opening hours",
        "Drop the order's window or give one that overlaps the point's opening hours that day.",
    ),
    "E1573": (
        "pickup point closed that day",
        "Choose a day the point is open (its hours are in GET /v1/pickup-points/{id}).",
    ),
    "E1574": (
        "order cannot go to a pickup point",
        "Only deliveries without alternatives or a paired pickup go to a point; the depot must be the point's.",
    ),
    "E1575": (
        "handover longer than the service time",
        "handover_s is the part of service_s paid once per visit to a pickup point: give at most service_s.",
    ),
    "E2270": ("pickup point inactive", "Choose an active pickup point, or an admin activates this one."),
    "E2271": (
        "pickup point full that day",
        "Choose another day or point: the limit in parcels is named in the message.",
    ),
    "E2272": (
        "switch to a pickup point closed",
        "The delivery is planned but on no live route, or is not a delivery: contact the sender.",
    ),
    "E2273": (
        "no route reaches the pickup point in time",
        "Choose another point: no van of the live day can bring the parcel there within its opening hours.",
    ),
    "E2274": (
        "no pickup point near the address",
        "Deliver to the address, or ask with a larger within_m: no active pickup point lies that near.",
    ),
    "E2275": (
        "depot full that day",
        "Choose another day: the depot's daily parcel capacity is taken by the orders and holds of that day.",
    ),
    "E1600": ("unknown load sheet format", "Ask for format=pdf or format=csv."),
    "E1601": (
        "scanned barcode unusable",
        "Scan the label again or type its code: 1 to 128 printable characters, no space at either end.",
    ),
    "E1602": (
        "loading scan dated in the future",
        "Set the phone's clock to automatic time; a scan may be at most 5 minutes ahead of the server.",
    ),
    "E1603": (
        "invalid loading times",
        "Give whole seconds: per parcel 0..3600, dock time 0..86400, wave interval 1..86400.",
    ),
    "E1620": (
        "invalid access zone area",
        "Give a GeoJSON Polygon or MultiPolygon: closed rings of at least 4 [lng, lat] positions inside WGS84 ranges.",
    ),
    "E1621": ("unknown vehicle type in an access zone", "Name vehicle types of the fleet (by id or by name)."),
    "E1622": (
        "invalid access zone hours",
        'Give hours as [["06:00", "11:00"]]: HH:MM pairs, closing after opening (24:00 allowed).',
    ),
    "E1623": ("duplicate access zone id", "Give each access zone its own id."),
    "E1624": (
        "access zone allows no vehicle type",
        "List the vehicle types that may serve stops inside the zone (at least one).",
    ),
    "E1625": (
        "invalid electric range",
        "Give range_m > 0 metres, 0 <= reserve_m < range_m and charge_s >= 0 seconds.",
    ),
    "E1640": ("carrier name missing or too long", "Give the carrier a name of 1 to 200 characters."),
    "E1641": ("unknown carrier kind", "Use kind http (a carrier API) or manifest (a CSV handed over at the depot)."),
    "E1642": (
        "carrier endpoint not allowed",
        "Give an http(s) URL on a public address without credentials; sign with the carrier's secret.",
    ),
    "E1643": (
        "carrier endpoints incomplete",
        "Name URLs only for quote, book, cancel, label and status; an HTTP carrier needs quote and book.",
    ),
    "E1644": ("carrier secret missing", "Give the HMAC secret the carrier signs its callbacks with (16+ characters)."),
    "E1645": (
        "invalid carrier service area",
        "Give each area a depot of yours and either radius_m (1..2,000,000) or a polygon of 3..500 points.",
    ),
    "E1646": (
        "invalid carrier price",
        "Give whole cents 0..10,000,000 for base_cents, per_kg_cents, per_parcel_cents and per_km_cents.",
    ),
    "E1647": ("invalid carrier cut-off", "Give the cut-off as a local time HH:MM of the depot, or null."),
    "E1648": ("invalid carrier capacity", "Give capacity_per_day as 1..1,000,000 orders, or null for no limit."),
    "E1649": ("invalid carrier call settings", "Give timeout_s 0.1..60 seconds and retries 0..5."),
    "E1650": (
        "carrier callback signature missing or wrong",
        "Sign the body with the carrier's secret (Doorstep-Signature: t=<unix s>,v1=<HMAC-SHA256>) within 5 minutes.",
    ),
    "E1651": (
        "invalid carrier callback",
        "Send JSON with event_id, order_id or booking_id, and status: booked, picked_up, in_transit, "
        "out_for_delivery, delivered, failed or cancelled.",
    ),
    "E1652": (
        "no booking with this carrier",
        "Name an order or booking the carrier holds (see /v1/carriers/{id}/bookings).",
    ),
    "E1700": (
        "invalid depot capacity",
        "Give capacity_parcels_per_day as 0..10,000,000 parcels a day, or null for no limit.",
    ),
    "E1701": ("invalid number of loading docks", "Give docks as 1..1,000, or null for no limit."),
    "E1702": ("depot closes before it opens", "Give a closing time after the opening time (HH:MM, same day)."),
    "E1703": ("transfer to an unknown depot", "Name a depot of the fleet (by id) as the transfer's depot_id."),
    "E1704": ("unknown order on a transfer", "List orders of the day by id or external_ref."),
    "E1705": ("order on two transfers", "Put each order on one transfer only (its goods arrive once)."),
    "E1706": (
        "order ships from another depot than its transfer",
        "Send the transfer to the order's depot, or change the order's depot_id.",
    ),
    "E1707": (
        "transfer arrives after the depot closes",
        "Give an arrival within the depot's opening hours (or change the depot's hours).",
    ),
    "E1708": (
        "invalid transfer time",
        "Give arrival as ISO-8601 with offset (or HH:MM local to the depot) and sorting_s as 0..86,400 seconds.",
    ),
    "E1709": (
        "transfer carries an order that is not loaded at a depot",
        "List deliveries only: pickups, returns and store-to-door orders never leave the depot with a van.",
    ),
    "E1710": ("duplicate transfer id", "Give each transfer its own id."),
    "E1711": ("too many orders on a transfer", "Split the trunk run into transfers of at most 10,000 orders."),
    "E1712": (
        "order is due before its transfer arrives",
        "List orders delivered on or after the day the trunk run arrives, or move the order to a later day.",
    ),
    "E1713": (
        "kept loading at an unknown depot",
        "Name a depot of the problem (by id) as the kept loading's depot_id.",
    ),
    "E1714": (
        "invalid kept loading",
        "Give start and end as ISO-8601 with offset (or HH:MM local to the depot), the end after the start and "
        "within a day of it, and a dock of at least 1 (or none).",
    ),
    # carriers from a file (doorstep plan --carriers; formats/carriers_json.py)
    "E1720": (
        "carriers file is not a list of carriers",
        "Give a JSON list of carrier objects (or {\"carriers\": [...]}) shaped like the API's (docs/carriers.md).",
    ),
    "E1721": ("unknown field in a carrier", "Use the fields of /v1/carriers (docs/carriers.md) and id; drop others."),
    "E1722": ("duplicate carrier id", "Give each carrier of the file its own id (or leave id out: one is derived)."),
    "E1740": (
        "day too large for this machine's memory",
        "Plan fewer orders at once (by depot or by time of day), plan on a machine with more memory, or raise the "
        "memory_limit_mib solver option if the machine has room.",
    ),
    "E2400": (
        "transfer already arrived",
        "An arrived transfer keeps its arrival; create a new transfer for another run, or delete this one.",
    ),
    "E2401": (
        "order already on another transfer",
        "Take the order off the other transfer first (PATCH its orders), or leave it there.",
    ),
    "E2300": (
        "van has left the depot",
        "Loading scans end when the first stop is worked; check a reload by hand, or scan before leaving.",
    ),
    "E2301": ("client id used for another scan", "Generate a new client id for every scan (the app does)."),
    "E2302": ("no published plan for the depot and day", "Publish the day's plan first: waves follow its routes."),
    "E2310": (
        "no open carrier offer for the order",
        "Confirm or decline an offer of the plan's carrier_offers that is open or not_booked (not booked, being "
        "booked or declined already).",
    ),
    "E2311": (
        "order's route cannot change",
        "The route is dispatched or locked, or the plan is not succeeded or published: unlock or re-plan first.",
    ),
    "E2312": ("carrier has open bookings", "Wait until its bookings are delivered or cancelled, or set active false."),
    "E2313": (
        "carrier not taking the order",
        "The carrier is inactive, past its cut-off for the day, full that day, or does not serve the address.",
    ),
    "E2314": (
        "status set by hand only for manifest carriers",
        "An HTTP carrier reports its statuses through signed callbacks to /v1/carriers/{id}/callbacks.",
    ),
    "E2315": ("carrier booking closed", "The booking is delivered, cancelled or failed: nothing more can change it."),
    "W3005": (
        "traffic makes a stop late",
        "Widen the window or start the route earlier; the ETA uses the traffic of the hour driven.",
    ),
    "W3006": (
        "access zone not avoided by the travel model",
        "Barred vehicles may drive through the zone: build the road network with it (doorstep network build --zones).",
    ),
}
# One order everywhere (this dict, docs/errors.md): errors before warnings, then by number.
CODES = dict(sorted(CODES.items(), key=lambda item: (item[0][0] == "W", item[0])))


class Severity(StrEnum):
    """Whether an issue blocks the input (error) or travels with it (warning)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the input: its code, a message naming the object, a fix, and where it is."""

    code: str
    message: str
    loc: tuple[str | int, ...] = ()
    id: str | None = None
    action: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered error code {self.code}")

    @property
    def severity(self) -> Severity:
        """Warnings start with W."""
        return Severity.WARNING if self.code.startswith("W") else Severity.ERROR

    @property
    def fix(self) -> str:
        """The action to take: specific if given, else the code's default."""
        return self.action or CODES[self.code][1]

    def to_dict(self) -> dict[str, Any]:
        """One entry of the envelope's ``details``."""
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "action": self.fix,
            "loc": list(self.loc),
        }
        if self.id is not None:
            out["id"] = self.id
        return out


@dataclass
class DoorstepError(Exception):
    """Raised with every problem found at once; rendered as the error envelope."""

    issues: Sequence[Issue]
    warnings: Sequence[Issue] = field(default_factory=tuple)
    retry_after_s: int | None = None  # E4003/E2009: the seconds the API's Retry-After says (None: 1)

    def __post_init__(self) -> None:
        if not self.issues:
            raise ValueError("DoorstepError needs at least one issue")
        super().__init__(self.summary())

    @property
    def code(self) -> str:
        """The single issue's code, or E1000 when several are reported together."""
        return self.issues[0].code if len(self.issues) == 1 else "E1000"

    def summary(self) -> str:
        """One line for humans."""
        if len(self.issues) == 1:
            return self.issues[0].message
        return f"{len(self.issues)} problems in the input; the first: {self.issues[0].message}"

    def envelope(self) -> dict[str, Any]:
        """The one error envelope of DESIGN.md."""
        first = self.issues[0]
        action = first.fix if len(self.issues) == 1 else CODES["E1000"][1]
        return {
            "error": {
                "code": self.code,
                "message": self.summary(),
                "action": action,
                "details": [i.to_dict() for i in self.issues],
            }
        }


def raise_if_errors(issues: Iterable[Issue]) -> list[Issue]:
    """Raise a DoorstepError when any issue is an error; return the warnings otherwise."""
    items = list(issues)
    errors = [i for i in items if i.severity is Severity.ERROR]
    warnings = [i for i in items if i.severity is Severity.WARNING]
    if errors:
        raise DoorstepError(errors, warnings)
    return warnings
