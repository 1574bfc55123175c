// Kubernetes manifests and their composition, read as files.
[assembly: Trait("Category", "Unit")]
