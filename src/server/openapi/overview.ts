/** The document's introduction: the semantics of spec/api.md that no single schema carries. */

export const API_OVERVIEW = `
kWhub serves the **Climkit Developer API v1** (\`/api/v1\`) field for field, plus two interfaces of its own: the
**operator API** (\`/api/admin/v1\`: sites, meters, sensors, gateways, developers, grants) and the **gateway API**
(\`/api/gateway/v1\`: readings pushed by a site's gateway). Items marked *(decided)* are where the vendor's
documentation is silent and kWhub decided.

Examples are taken from the demo community **Sonnenhof** (\`kwhub demo\`, site \`60dc9374b09d0f23bfaa841c\`).

## Authentication

\`POST /api/v1/auth\` with \`{"username", "password"}\` (JSON or form-encoded) answers an \`access_token\`: a JSON Web
Token valid **15 minutes**, with \`valid_until.$date\` in epoch **milliseconds**. Send it on every other developer
endpoint as \`Authorization: Bearer <access_token>\`. Wrong credentials: \`401\`. Repeated failures for one username or
one client address lock logins out for a while: \`429\` with \`Retry-After\` *(decided)*.

## Who sees what

A developer sees only the sites the operator granted to them. A site that exists but is not granted is
**indistinguishable from one that does not exist: \`404\`** *(decided)*; so is a meter or sensor of such a site. A
grant may carry a history limit: requests reaching further back are clipped to it.

## Time parameters: \`t_s\`, \`t_e\`

- ISO-8601 date-times, **tz-naive, in UTC**: \`YYYY-MM-DD\`, \`YYYY-MM-DDTHH:MM[:SS[.ffffff]]\`, or the same with a
  space instead of \`T\`. An explicit \`Z\` or offset is honoured. JSON \`null\` means "not given". Anything else: \`400\`
  naming the parameter.
- Defaults *(decided)*: \`t_e\` = now; \`t_s\` = \`t_e\` minus 24 hours.
- What a range selects *(decided)*: the **15-minute intervals lying entirely inside [t_s, t_e]**. Coarser periods
  (\`H\`, \`D\`, \`M\`, \`Y\`) are sums of exactly those intervals: a period cut by the range holds only its covered part.
- \`meter_data_raw\` and \`sensor_data\` select readings by their own timestamps (instants in [t_s, t_e]).
  \`sensor_data\` with no range at all answers the last 24 hours that hold data *(decided)*.

## Timestamps of the answers

The **site's local time with its UTC offset**, as the vendor writes it: \`"2022-05-05 17:15:00+02:00"\`. For \`15T\`
rows it marks the **end** of the interval; for \`H\`, \`D\`, \`M\`, \`Y\` the **start** of the local period. Days,
months and years are calendar periods in the site's time zone (a DST day has 23 or 25 hours). \`sensor_data\`
timestamps are epoch **milliseconds** *(decided)*.

## Units and rounding

Values are **kWh** (electricity, heating, cooling) or **m³** (water), as JSON numbers **rounded to at most 6
decimals** (no \`0.07000000000000006\` noise). Raw readings are served exactly as the gateway reported them.
Intervals with no validated data yet (after the last reading) are not returned; gaps between readings are filled by
validation.

## JSON or CSV

The series endpoints (\`site_data\`, \`meter_data\`, \`meter_data_raw\`, \`sensor_data\`) answer JSON by default (also
for \`Accept: */*\` or no \`Accept\`), and **CSV** (\`text/csv; charset=utf-8\`) for \`Accept: text/csv\`: a header row
with the JSON rows' field names in the same order, then one row per period with the same values and timestamps.
\`kwhub export\` writes the same CSV from the command line.

## Lenience for real clients *(decided)*

- The data endpoints also answer \`GET\` with the same parameters in the query string.
- A missing or empty body means "all parameters omitted".
- Unknown extra body fields are ignored.

## Rate limit

Every developer endpoint but \`/auth\` allows **1 request per second per developer and per endpoint**, an endpoint
being the route: all \`site_data\` calls of one developer share one budget, whatever the site or type. Answers carry
\`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`; over the limit the answer is \`429\` with
\`Retry-After\` (seconds). The limit is configurable and holds across server instances sharing one store. This
document and \`/docs\` are not rate limited. The operator and gateway APIs are protected against token guessing
(\`429\` with \`Retry-After\` after repeated failures).

## Errors

Every error is JSON: \`{"error": "<short_code>", "message": "<what was wrong and how to fix it>"}\`, with \`400\` bad
parameter (the message names it), \`401\` missing/invalid/expired token, \`404\` unknown or not granted, \`405\` wrong
method (with \`Allow\`), \`409\` id in use (operator API), \`413\` body too large (over 1 MiB; only the gateway API
takes large batches), \`415\` wrong content type, \`429\` rate limited. A \`5xx\` is a bug: bad input never produces
one.
`.trim();
