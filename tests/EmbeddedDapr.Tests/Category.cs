// The embedded sidecar in process, against daprd's behaviour.
[assembly: Trait("Category", "Functional")]
