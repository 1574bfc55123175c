namespace Flipkart.ComponentLint.Schemas;

/// <summary>
/// Metadata schemas of the component types this repository uses, transcribed from the components'
/// metadata.yaml files (dapr/components-contrib) and corrected where the runtime's code differs
/// (required-ness as daprd enforces it at init; Kafka's <c>authType</c>; RabbitMQ's legacy <c>host</c>).
/// Field names compare case-insensitively, as daprd decodes them.
/// </summary>
public static class ComponentSchemas
{
    private static MetadataField S(string name, bool required = false, bool sensitive = false) => new(name, FieldType.String, required, Sensitive: sensitive);
    private static MetadataField B(string name) => new(name, FieldType.Bool);
    private static MetadataField N(string name) => new(name, FieldType.Number);
    private static MetadataField D(string name) => new(name, FieldType.Duration);
    private static MetadataField E(string name, params string[] allowed) => new(name, FieldType.String, AllowedValues: allowed);

    /// <summary>Keys daprd itself reads from any state store component.</summary>
    public static readonly IReadOnlyList<MetadataField> StateRuntimeKeys =
    [
        S("keyPrefix"), B("actorStateStore"), S("outboxPublishPubsub"), S("outboxPublishTopic"), S("outboxPubsub"),
        B("outboxDiscardWhenMissingState"),
    ];

    /// <summary>Keys daprd itself reads from any pub/sub component.</summary>
    public static readonly IReadOnlyList<MetadataField> PubSubRuntimeKeys =
    [
        S("consumerID"), S("allowedTopics"), S("publishingScopes"), S("subscriptionScopes"), S("protectedTopics"),
    ];

    private static readonly MetadataField[] AzureAd =
    [
        S("azureClientId"), S("azureTenantId"), S("azureClientSecret", sensitive: true), S("azureEnvironment"),
        S("azureCertificate", sensitive: true), S("azureCertificateFile"), S("azureCertificatePassword", sensitive: true),
    ];

    private static readonly MetadataField[] Aws =
    [
        S("region"), S("awsRegion"), S("accessKey", sensitive: true), S("secretKey", sensitive: true),
        S("sessionToken", sensitive: true), S("assumeRoleArn"), S("sessionName"), S("trustAnchorArn"), S("trustProfileArn"),
    ];

    private static readonly MetadataField[] RedisConnection =
    [
        S("redisHost", required: true), S("redisPort"), S("redisUsername"), S("redisPassword", sensitive: true),
        S("sentinelUsername"), S("sentinelPassword", sensitive: true),
        B("useOIDC"), S("oidcTokenEndpoint"), S("oidcClientID"), S("oidcClientAssertionCert"),
        S("oidcClientAssertionKey", sensitive: true), S("oidcResource"), S("oidcAudience"), S("oidcScopes"), S("oidcKid"), S("oidcCACert"),
        B("enableTLS"), B("insecureSkipTLSVerify"), S("clientCert"), S("clientKey", sensitive: true),
        B("failover"), S("sentinelMasterName"), E("redisType", "node", "cluster"), N("redisDB"),
        N("redisMaxRetries"), D("redisMinRetryInterval"), D("redisMaxRetryInterval"),
        D("dialTimeout"), D("readTimeout"), D("writeTimeout"), N("poolSize"), D("poolTimeout"), D("maxConnAge"),
        N("minIdleConns"), D("idleCheckFrequency"), D("idleTimeout"), B("useEntraID"), .. AzureAd,
    ];

    public static readonly IReadOnlyDictionary<string, ComponentSchema> ByType = new[]
    {
        new ComponentSchema("state.redis", ["v1"],
        [
            .. RedisConnection, D("redeliverInterval"), D("processingTimeout"), N("ttlInSeconds"), S("queryIndexes"),
        ]),
        new ComponentSchema("state.mysql", ["v1"],
        [
            S("connectionString", required: true, sensitive: true), D("cleanupInterval"), S("metadataTableName"),
            S("pemPath"), S("schemaName"), S("tableName"), N("timeoutInSeconds"),
        ]),
        new ComponentSchema("state.cassandra", ["v1"],
        [
            S("hosts", required: true), S("username"), S("password", sensitive: true), N("port"), B("enableHostVerification"),
            S("table"), N("protoVersion"), N("replicationFactor"),
            E("consistency", "Any", "One", "Two", "Three", "Quorum", "All", "LocalQuorum", "EachQuorum", "LocalOne"),
            S("keyspace"),
        ]),
        new ComponentSchema("state.postgresql", ["v1", "v2"],
        [
            S("connectionString", sensitive: true), S("host"), S("hostaddr"), N("port"), S("database"), S("user"),
            S("password", sensitive: true), S("sslRootCert"), S("tableName"), S("tablePrefix"), S("metadataTableName"),
            D("timeout"), D("cleanupInterval"), N("maxConns"), D("connectionMaxIdleTime"), S("queryExecMode"),
            B("useAzureAD"), .. AzureAd, .. Aws,
        ]),
        new ComponentSchema("state.in-memory", ["v1"], []),
        new ComponentSchema("pubsub.redis", ["v1"],
        [
            .. RedisConnection, D("redeliverInterval"), D("processingTimeout"), N("queueDepth"), N("concurrency"),
            N("maxLenApprox"), D("streamTTL"),
        ]),
        new ComponentSchema("pubsub.kafka", ["v1"],
        [
            S("brokers", required: true),
            E("authType", "none", "password", "mtls", "certificate", "oidc", "oidc_private_key_jwt", "awsiam") with { Required = true },
            S("saslUsername"), S("saslPassword", sensitive: true), E("saslMechanism", "SHA-512", "SHA-256", "PLAINTEXT"),
            S("caCert"), S("clientCert"), S("clientKey", sensitive: true),
            S("oidcTokenEndpoint"), S("oidcClientID"), S("oidcClientSecret", sensitive: true), S("oidcScopes"), S("oidcExtensions"),
            S("oidcClientAssertionCert"), S("oidcClientAssertionKey", sensitive: true), S("oidcResource"), S("oidcAudience"), S("oidcKid"),
            new MetadataField("awsAccessKey", Sensitive: true, ReplacedBy: "accessKey"),
            new MetadataField("awsSecretKey", Sensitive: true, ReplacedBy: "secretKey"),
            new MetadataField("awsSessionToken", Sensitive: true, ReplacedBy: "sessionToken"),
            new MetadataField("awsIamRoleArn", ReplacedBy: "assumeRoleArn"),
            new MetadataField("awsStsSessionName", ReplacedBy: "sessionName"),
            new MetadataField("authRequired", FieldType.Bool, ReplacedBy: "authType"),
            .. Aws,
            S("consumerGroup"), S("clientID"), E("initialOffset", "newest", "oldest"), N("maxMessageBytes"),
            D("consumeRetryInterval"), B("consumeRetryEnabled"), D("heartbeatInterval"), D("sessionTimeout"), S("version"),
            B("skipVerify"), B("disableTls"), N("channelBufferSize"), N("consumerFetchMin"),
            D("clientConnectionTopicMetadataRefreshInterval"), D("clientConnectionKeepAliveInterval"),
            D("dialTimeout"), D("readTimeout"), D("writeTimeout"), D("metadataTimeout"),
            E("producerRequiredAcks", "all", "local", "none"), N("producerRetryMax"), N("consumerFetchDefault"),
            S("schemaRegistryURL"), S("schemaRegistryAPIKey"), S("schemaRegistryAPISecret", sensitive: true),
            B("schemaCachingEnabled"), D("schemaLatestVersionCacheTTL"), B("escapeHeaders"), B("useAvroJSON"),
            E("compression", "none", "gzip", "snappy", "lz4", "zstd"),
            E("consumerGroupRebalanceStrategy", "range", "sticky", "roundrobin"), S("excludeHeaderMetaRegex"),
        ]),
        new ComponentSchema("pubsub.rabbitmq", ["v1"],
        [
            S("connectionString", sensitive: true), new MetadataField("host", Sensitive: true, ReplacedBy: "connectionString"),
            S("hostname"), S("protocol"), S("username"), S("password", sensitive: true),
            S("caCert"), S("clientCert"), S("clientKey", sensitive: true), B("saslExternal"),
            B("durable"), B("publisherConfirm"), N("maxLen"), N("maxLenBytes"), E("concurrency", "parallel", "single"),
            B("enableDeadLetter"), N("prefetchCount"), E("exchangeKind", "fanout", "topic", "direct", "headers"),
            N("deliveryMode"), B("autoAck"), B("deletedWhenUnused"), B("requeueInFailure"), D("reconnectWaitSeconds"),
            D("ttlInSeconds"), S("clientName"), D("heartBeat"), B("publishMessagePropertiesToMetadata"),
        ]),
        new ComponentSchema("pubsub.in-memory", ["v1"], []),
        new ComponentSchema("secretstores.local.file", ["v1"],
        [
            S("secretsFile", required: true), S("nestedSeparator"), B("multiValued"),
        ]),
        new ComponentSchema("secretstores.local.env", ["v1"], [S("prefix")]),
        new ComponentSchema("secretstores.kubernetes", ["v1"], [S("defaultNamespace"), S("kubeconfigPath")]),
        new ComponentSchema("secretstores.azure.keyvault", ["v1"], [S("vaultName", required: true), .. AzureAd]),
        new ComponentSchema("secretstores.aws.secretmanager", ["v1"], [S("endpoint"), B("multipleKeyValuesPerSecret"), .. Aws]),
        new ComponentSchema("middleware.http.ratelimit", ["v1"],
        [
            new MetadataField("maxRequestsPerSecond", FieldType.Number, Required: true),
        ]),
    }.ToDictionary(s => s.Type, StringComparer.OrdinalIgnoreCase);

    /// <summary>Schema fields plus the keys daprd reads for the whole building block.</summary>
    public static IEnumerable<MetadataField> KnownFields(ComponentSchema schema) => schema.Type.Split('.')[0] switch
    {
        "state" => schema.Fields.Concat(StateRuntimeKeys),
        "pubsub" => schema.Fields.Concat(PubSubRuntimeKeys),
        _ => schema.Fields,
    };
}
