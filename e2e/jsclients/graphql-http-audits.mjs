// Runs every server audit of graphql-http (the GraphQL-over-HTTP
// specification's conformance suite) against the /query URL given as
// argv[2], and prints one JSON line: the package version and, for each
// audit, its id, name, status and, when it is not ok, the reason and the
// response's status and body. e2e/graphql_http_test.go asserts on it.

import { serverAudits } from 'graphql-http';
import { versionOf } from './lib.mjs';

const url = process.argv[2];
if (!url) {
  process.stderr.write(`usage: node ${process.argv[1]} http://HOST/query\n`);
  process.exit(2);
}

const results = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  let r;
  try {
    r = await audit.fn();
  } catch (err) {
    // An audit throws only on a fatal problem (the server unreachable).
    r = { id: audit.id, name: audit.name, status: 'error', reason: `threw: ${err?.message ?? err}` };
  }
  const out = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    out.reason = r.reason;
    if (r.response) {
      out.responseStatus = r.response.status;
      out.responseContentType = r.response.headers.get('content-type');
      try {
        out.responseBody = (await r.response.text()).slice(0, 500);
      } catch {
        // the audit consumed the body already
      }
    }
  }
  results.push(out);
}

process.stdout.write(JSON.stringify({ client: 'graphql-http', version: versionOf('graphql-http'), audits: results }) + '\n');
