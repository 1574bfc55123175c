using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Flipkart.RealDaprTests;

/// <summary>
/// The servers a profile's components point at, started in containers on the host network so the shipped
/// YAML (localhost:6379, localhost:3306, ...) and its dev credentials (components/&lt;profile&gt;/secrets.json) work
/// unchanged: these tests prove the profiles themselves, not rewritten copies.
/// </summary>
internal static class BackingStores
{
    // Credentials match the dev-only values in components/<profile>/secrets.json.
    private const string MySqlPassword = "dev-only-mysql-password";
    private const string RabbitMqPassword = "dev-only-rabbitmq-password";

    public static IReadOnlyList<IContainer> For(string profile) => profile switch
    {
        "local" => [Redis()],
        "rabbitmq-mysql" => [Redis(), MySql(), RabbitMq()],
        "kafka-cassandra" => [Redis(), MySql(), Kafka(), Cassandra()],
        _ => throw new ArgumentException($"No backing stores are defined for profile {profile}.", nameof(profile)),
    };

    internal static ContainerBuilder OnHostNetwork(string image) => new ContainerBuilder(image)
        .WithCreateParameterModifier(parameters => parameters.HostConfig!.NetworkMode = "host")
        .WithCleanUp(true);

    private static IContainer Redis() => OnHostNetwork("redis:7.4")
        .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Ready to accept connections"))
        .Build();

    private static IContainer MySql() => OnHostNetwork("mysql:8.4")
        .WithEnvironment("MYSQL_ROOT_PASSWORD", "dev-only-root-password")
        .WithEnvironment("MYSQL_USER", "dapr")
        .WithEnvironment("MYSQL_PASSWORD", MySqlPassword)
        // daprd creates its schema and tables on start-up, so its user needs more than one database.
        .WithResourceMapping("GRANT ALL PRIVILEGES ON *.* TO 'dapr'@'%';\n"u8.ToArray(), "/docker-entrypoint-initdb.d/grant.sql")
        .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("port: 3306  MySQL Community Server"))
        .Build();

    private static IContainer RabbitMq() => OnHostNetwork("rabbitmq:3.13")
        .WithEnvironment("RABBITMQ_DEFAULT_USER", "dapr")
        .WithEnvironment("RABBITMQ_DEFAULT_PASS", RabbitMqPassword)
        .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Server startup complete"))
        .Build();

    private static IContainer Kafka() => OnHostNetwork("apache/kafka:3.9.0")
        // Single-node KRaft on localhost:9092; topics (incl. the outbox hand-off topics) are auto-created.
        .WithEnvironment("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
        .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Kafka Server started"))
        .Build();

    private static IContainer Cassandra() => OnHostNetwork("cassandra:4.1")
        .WithEnvironment("CASSANDRA_LISTEN_ADDRESS", "127.0.0.1")
        .WithEnvironment("CASSANDRA_BROADCAST_ADDRESS", "127.0.0.1")
        .WithEnvironment("MAX_HEAP_SIZE", "512M")
        .WithEnvironment("HEAP_NEWSIZE", "128M")
        .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Starting listening for CQL clients"))
        .Build();
}
