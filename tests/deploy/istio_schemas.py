"""JSON schemas (draft 2020-12) for the Istio resources in deploy/istio/.

kubernetes-validate ships schemas for Kubernetes' own kinds only, and Istio's
CRDs cannot be fetched here, so these schemas are written from Istio's
documented API (the AuthorizationPolicy, ServiceEntry and MeshConfig
reference pages, API versions security.istio.io/v1, networking.istio.io/v1,
install.istio.io/v1alpha1). They are strict the way `kubernetes-validate
--strict` is: every object lists its fields and rejects any other, and field
types, enums and required fields are checked, plus the cross-field rules
istiod enforces on these fields (a CUSTOM policy names a provider and only a
CUSTOM one does; a STATIC ServiceEntry has endpoints).

What they do not cover: fields of these kinds that deploy/ does not use are
still listed (so a user's addition validates), but the MeshConfig is checked
only in its `extensionProviders` entries, and only the `envoyExtAuthzGrpc`
kind of provider is known; IstioOperator's `components` and `values` are free
form.
"""

STRINGS = {"type": "array", "items": {"type": "string"}}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
# protobuf Duration in its JSON form, as Istio takes it: "0.5s", "250ms", "1m".
DURATION = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(h|m|s|ms|us|µs|ns)$"}


def _object(properties, required=()):
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


METADATA = _object(
    {
        "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253},
        "namespace": {"type": "string"},
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
    },
    required=["name"],
)


def _resource(api_version, kind, spec):
    return _object(
        {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
        required=["apiVersion", "kind", "metadata", "spec"],
    )


_TARGET_REF = _object(
    {
        "group": {"type": "string"},
        "kind": {"type": "string"},
        "name": {"type": "string"},
        "namespace": {"type": "string"},
    },
    required=["kind", "name"],
)

_SOURCE = _object(
    {
        name: STRINGS
        for name in [
            "principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals",
            "namespaces", "notNamespaces", "serviceAccounts", "notServiceAccounts",
            "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks",
        ]
    }
)

_OPERATION = _object(
    {
        name: STRINGS
        for name in ["hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths", "notPaths"]
    }
)

_CONDITION = _object({"key": {"type": "string"}, "values": STRINGS, "notValues": STRINGS}, required=["key"])

_RULE = _object(
    {
        "from": {"type": "array", "items": _object({"source": _SOURCE})},
        "to": {"type": "array", "items": _object({"operation": _OPERATION})},
        "when": {"type": "array", "items": _CONDITION},
    }
)

AUTHORIZATION_POLICY = _resource(
    "security.istio.io/v1",
    "AuthorizationPolicy",
    {
        **_object(
            {
                "selector": _object({"matchLabels": STRING_MAP}),
                "targetRef": _TARGET_REF,
                "targetRefs": {"type": "array", "items": _TARGET_REF},
                "rules": {"type": "array", "items": _RULE},
                "action": {"enum": ["ALLOW", "DENY", "AUDIT", "CUSTOM"]},
                "provider": _object({"name": {"type": "string", "minLength": 1}}, required=["name"]),
            }
        ),
        # istiod: CUSTOM needs a provider, and only CUSTOM may have one.
        "if": {"properties": {"action": {"const": "CUSTOM"}}, "required": ["action"]},
        "then": {"required": ["provider"]},
        "else": {"not": {"required": ["provider"]}},
    },
)

_WORKLOAD_ENTRY = _object(
    {
        "address": {"type": "string"},
        "ports": {"type": "object", "additionalProperties": PORT},
        "labels": STRING_MAP,
        "network": {"type": "string"},
        "locality": {"type": "string"},
        "weight": {"type": "integer", "minimum": 0},
        "serviceAccount": {"type": "string"},
    }
)

SERVICE_ENTRY = _resource(
    "networking.istio.io/v1",
    "ServiceEntry",
    {
        **_object(
            {
                "hosts": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                "addresses": STRINGS,
                "ports": {
                    "type": "array",
                    "items": _object(
                        {
                            "number": PORT,
                            "protocol": {"enum": ["HTTP", "HTTPS", "GRPC", "HTTP2", "MONGO", "TCP", "TLS"]},
                            "name": {"type": "string", "minLength": 1},
                            "targetPort": PORT,
                        },
                        required=["number", "name"],
                    ),
                },
                "location": {"enum": ["MESH_EXTERNAL", "MESH_INTERNAL"]},
                "resolution": {"enum": ["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"]},
                "endpoints": {"type": "array", "items": _WORKLOAD_ENTRY},
                "workloadSelector": _object({"labels": STRING_MAP}),
                "exportTo": STRINGS,
                "subjectAltNames": STRINGS,
            },
            required=["hosts"],
        ),
        # istiod: a STATIC service entry lists its endpoints (or selects workloads).
        "if": {"properties": {"resolution": {"const": "STATIC"}}, "required": ["resolution"]},
        "then": {"anyOf": [{"required": ["endpoints"]}, {"required": ["workloadSelector"]}]},
    },
)

ENVOY_EXT_AUTHZ_GRPC = _object(
    {
        "service": {"type": "string", "minLength": 1},
        "port": PORT,
        "timeout": DURATION,
        "failOpen": {"type": "boolean"},
        "statusOnError": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
        "includeRequestBodyInCheck": _object(
            {
                "maxRequestBytes": {"type": "integer", "minimum": 0},
                "allowPartialMessage": {"type": "boolean"},
                "packAsBytes": {"type": "boolean"},
            }
        ),
    },
    required=["service", "port"],
)

EXTENSION_PROVIDER = _object(
    {"name": {"type": "string", "minLength": 1}, "envoyExtAuthzGrpc": ENVOY_EXT_AUTHZ_GRPC},
    required=["name", "envoyExtAuthzGrpc"],
)

# Only extensionProviders is checked; other mesh settings are the user's.
MESH_CONFIG = {
    "type": "object",
    "properties": {"extensionProviders": {"type": "array", "items": EXTENSION_PROVIDER, "minItems": 1}},
    "required": ["extensionProviders"],
}

ISTIO_OPERATOR = _resource(
    "install.istio.io/v1alpha1",
    "IstioOperator",
    _object(
        {
            "profile": {"type": "string"},
            "revision": {"type": "string"},
            "hub": {"type": "string"},
            "tag": {"type": ["string", "integer"]},
            "namespace": {"type": "string"},
            "meshConfig": MESH_CONFIG,
            "components": {"type": "object"},
            "values": {"type": "object"},
        }
    ),
)

# The istiod Helm chart's values file: only meshConfig is ours.
ISTIOD_VALUES = {"type": "object", "properties": {"meshConfig": MESH_CONFIG}, "required": ["meshConfig"]}

BY_KIND = {
    ("security.istio.io/v1", "AuthorizationPolicy"): AUTHORIZATION_POLICY,
    ("networking.istio.io/v1", "ServiceEntry"): SERVICE_ENTRY,
    ("install.istio.io/v1alpha1", "IstioOperator"): ISTIO_OPERATOR,
}
