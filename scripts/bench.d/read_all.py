"""Reads every record of a workspace through paged lists (limit 1000); prints a summary line.

Usage: read_all.py BASE CLIENT_ID SECRET BUSINESS CATALOG_JSON
Comments are read per parent kind with batched `entityId: {$in: [...]}` scopes of 100 parents.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

base, client_id, secret, business, catalog_path = sys.argv[1:6]
catalog = json.load(open(catalog_path))
EVERYTHING = {"isArchived": {"$in": [True, False, None]}, "isTemplate": {"$in": [True, False, None]}}
calls = 0


def call(path, params=None, data=None, headers=None):
    global calls
    calls += 1
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


token = call("/oauth/token", data=urllib.parse.urlencode(
    {"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}).encode(),
    headers={"Content-Type": "application/x-www-form-urlencoded"})["accessToken"]
auth = {"Authorization": "Bearer " + token, "Business": business}


def walk(kind, query):
    out, skip = [], 0
    while True:
        page = call("/" + kind, {"q": json.dumps(query), "skip": skip, "limit": 1000}, headers=auth)
        if not page:
            return out
        out += page
        skip += len(page)


start = time.monotonic()
ids, total = {}, 0
for kind in catalog["kinds"]:
    if "list" not in kind["verbs"] or kind.get("role") == "derived" or kind.get("scope"):
        continue
    records = walk(kind["name"], EVERYTHING)
    ids[kind["name"]] = [r["_id"] for r in records]
    total += len(records)
parent_slugs = {"tasks": "task", "files": "file", "conversations": "conversation", "wiki": "wiki", "wiki-entities": "wiki-page"}
comments = 0
for kind, slug in parent_slugs.items():
    parents = ids.get(kind, [])
    for i in range(0, len(parents), 100):
        q = dict(EVERYTHING, entityType=slug, entityId={"$in": parents[i:i + 100]})
        comments += len(walk("comments", q))
elapsed = time.monotonic() - start
print(f"fake: read {total + comments} records ({comments} comments) in {elapsed:.2f} s with {calls} calls")
