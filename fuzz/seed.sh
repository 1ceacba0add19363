#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (git-ignored) from the repository's fixtures and the committed
# hand-picked seeds in fuzz/seeds/<target>/. Safe to re-run: files are named by content hash.
# Usage: fuzz/seed.sh            (from anywhere)
set -euo pipefail
shopt -s nullglob
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
corpus="$here/corpus"
mkdir -p "$corpus"/{csdl_ir,decode_user,decode_auth_methods,batch_response,response_handling}

# put TARGET FILE...: copies each file as corpus/TARGET/<sha1>
put() {
    local target="$1"; shift
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$corpus/$target/$(sha1sum "$f" | cut -c1-40)"
    done
}

# Committed seeds.
for dir in "$here"/seeds/*/; do
    t="$(basename "$dir")"
    mkdir -p "$corpus/$t"
    put "$t" "$dir"*
done

# CSDL: every hand-written fixture (not the 3 MB upstream document: far too big a seed).
put csdl_ir "$root"/metadata/fixtures/*.xml "$root"/metadata/fixtures/diff/*.xml

# JSON from the emulator's seed tenant: each user (without the emulator-only nested
# `authentication`), each user's authentication methods as a collection page, and pages/batch
# answers built from them.
tenant="$root/crates/msgraph-emulator/src/default_tenant.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$tenant" "$tmp" <<'PY'
import json, sys, os
tenant, out = sys.argv[1], sys.argv[2]
d = json.load(open(tenant))
users = d["entitySets"]["users"]
def w(name, obj):
    with open(os.path.join(out, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
for i, u in enumerate(users):
    methods = (u.get("authentication") or {}).get("methods") or []
    plain = {k: v for k, v in u.items() if k != "authentication"}
    plain["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#users/$entity"
    w(f"user-{i}.json", plain)
    if methods:
        page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('%s')/authentication/methods" % u["id"],
                "value": methods}
        if i == 0:
            page["@odata.nextLink"] = "https://graph.microsoft.com/v1.0/me/authentication/methods?$skiptoken=abc"
        w(f"methods-{i}.json", page)
        responses = [{"id": str(n + 1), "status": 200,
                      "headers": {"Content-Type": "application/json"}, "body": m}
                     for n, m in enumerate(methods)]
        responses.append({"id": str(len(responses) + 1), "status": 204, "body": None})
        w(f"batch-{i}.json", {"responses": responses})
w("users-page.json", {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
                      "@odata.count": len(users),
                      "value": [{k: v for k, v in u.items() if k != "authentication"} for u in users]})
PY
put decode_user "$tmp"/user-*.json "$tenant"
put decode_auth_methods "$tmp"/methods-*.json
put batch_response "$tmp"/batch-*.json
put response_handling "$tmp"/methods-*.json "$tmp"/users-page.json

for t in "$corpus"/*/; do
    printf '%-20s %s files\n' "$(basename "$t")" "$(find "$t" -type f | wc -l)"
done
