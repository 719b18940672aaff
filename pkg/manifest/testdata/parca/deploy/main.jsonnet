local ns = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: 'parca',
  },
};

local parca = (import 'parca/parca.libsonnet')({
  name: 'parca',
  namespace: ns.metadata.name,
  image: 'ghcr.io/parca-dev/parca:v0.0.3-alpha',
  version: 'v0.0.3-alpha',
  replicas: 1,
});

{ 'parca-namespace': ns } + {
  ['parca-' + name]: parca[name]
  for name in std.objectFields(parca)
  if parca[name] != null
}
