function(params) {
  local p = params,
  serviceAccount: {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: p.name, namespace: p.namespace },
  },
}
