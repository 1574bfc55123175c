namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>The resources the conformance suite expects (a daprd under test must load the same set).</summary>
public static class ConformanceResources
{
    public const string AppId = "conformance";

    public static string Component(string name, string type, string version = "v1", string metadata = "", string extra = "") => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: {type}
          version: {version}
          metadata:
        {Indent(metadata, "  ")}
        {extra}
        """;

    private static string Indent(string text, string prefix) =>
        string.Join("\n", text.Split('\n').Select(l => l.Length == 0 ? l : prefix + l));

    /// <summary>A secrets file written once per test run, referenced with an absolute path.</summary>
    public static string SecretsFile { get; } = WriteSecretsFile();

    public static string[] Default =>
    [
        Component("statestore", "state.in-memory"),
        Component("redisstore", "state.redis", metadata: "- name: redisHost\n  value: localhost:6379"),
        Component("pgstore", "state.postgresql", metadata: "- name: connectionString\n  value: host=localhost user=postgres password=example port=5432 database=dapr"),
        Component("mysqlstore", "state.mysql", metadata: "- name: connectionString\n  value: root:example@tcp(localhost:3306)/?allowNativePasswords=true"),
        Component("cassandrastore", "state.cassandra", metadata: "- name: hosts\n  value: localhost"),
        Component("sharedstore", "state.in-memory", metadata: "- name: keyPrefix\n  value: name"),
        Component("rawstore", "state.in-memory", metadata: "- name: keyPrefix\n  value: none"),
        Component("hiddenstore", "state.in-memory", extra: "scopes:\n- someone-else"),
        Component("secretstore", "secretstores.local.file", metadata: $"- name: secretsFile\n  value: \"{SecretsFile}\"\n- name: nestedSeparator\n  value: \":\""),
        Component("envsecrets", "secretstores.local.env"),
    ];

    private static string WriteSecretsFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "embedded-dapr-conformance-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "secrets.json");
        File.WriteAllText(path, """
            {
              "jwt-signing-key": "dev-signing-key",
              "db": { "user": "admin", "password": "s3cret" }
            }
            """);
        return path;
    }
}
