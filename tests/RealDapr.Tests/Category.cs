// Real daprd and real stores in containers; skipped with the reason where Docker is absent.
[assembly: Trait("Category", "System")]
