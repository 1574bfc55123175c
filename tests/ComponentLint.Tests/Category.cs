// The capability lint over component profiles, read as files.
[assembly: Trait("Category", "Unit")]
