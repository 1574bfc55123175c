using Flipkart.ComponentLint.Linting;
using Flipkart.ComponentLint.Needs;
using Flipkart.ComponentLint.Resources;

namespace Flipkart.ComponentLint.Tests;

/// <summary>One rule at a time: components/local with one resource replaced by an overlay written here.</summary>
public sealed class LintRuleTests : IDisposable
{
    private readonly string overlay = Directory.CreateTempSubdirectory("lint-overlay-").FullName;

    public void Dispose() => Directory.Delete(overlay, recursive: true);

    private LintResult LintLocalWith(string file, string yaml, ServiceNeeds? needs = null)
    {
        File.WriteAllText(Path.Combine(overlay, file), yaml);
        needs ??= ServiceNeeds.Load(Repository.Path("components", "service-needs.yaml"));
        return new ProfileLinter(needs, Repository.Root).Lint(Profile.Load([Repository.Path("components", "local"), overlay]));
    }

    private static string RedisCartStore(string extraMetadata = "", string scopes = "[cart]") => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: cart-store
        spec:
          type: state.redis
          version: v1
          metadata:
            - name: redisHost
              value: localhost:6379
        {extraMetadata}
        scopes: {scopes}
        auth:
          secretStore: secretstore
        """;

    [Fact]
    public void A_secret_missing_from_the_secrets_file_is_an_error()
    {
        var result = LintLocalWith("cart-store.yaml", RedisCartStore("""
                - name: redisPassword
                  secretKeyRef:
                    name: cart-redis-password
                    key: cart-redis-password
            """));

        var error = Assert.Single(result.Errors);
        Assert.Equal("cart-store (state.redis): metadata 'redisPassword' refers to secret 'cart-redis-password' key 'cart-redis-password', "
            + "but components/local/secrets.json has no secret 'cart-redis-password'", error.Headline);
    }

    [Fact]
    public void A_secret_key_other_than_the_name_does_not_resolve_in_a_single_valued_file_store()
    {
        var result = LintLocalWith("cart-store.yaml", RedisCartStore("""
                - name: redisPassword
                  secretKeyRef:
                    name: redis-password
                    key: password
            """));

        Assert.Contains(result.Errors, e => e.Headline.EndsWith("secret 'redis-password' holds only key(s) redis-password", StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_reference_without_a_named_secret_store_is_an_error()
    {
        var result = LintLocalWith("cart-store.yaml", RedisCartStore("""
                - name: redisPassword
                  secretKeyRef:
                    name: redis-password
            """).Replace("auth:\n  secretStore: secretstore", "", StringComparison.Ordinal));

        Assert.Contains(result.Errors, e => e.Message.StartsWith("uses secretKeyRef but names no auth.secretStore", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unparseable_duration_is_an_error_because_daprd_cannot_decode_it()
    {
        var result = LintLocalWith("cart-store.yaml", RedisCartStore("""
                - name: dialTimeout
                  value: a minute
            """));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("'dialTimeout' must be a duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_outside_the_allowed_set_is_an_error()
    {
        var result = LintLocalWith("cart-store.yaml", RedisCartStore("""
                - name: redisType
                  value: sentinel
            """));

        Assert.Equal("'redisType' is \"sentinel\"; allowed: node, cluster", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void A_scope_naming_an_unknown_app_id_is_an_error_with_a_suggestion()
    {
        var result = LintLocalWith("cart-store.yaml", RedisCartStore(scopes: "[cart, ordring]"));

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("scopes name 'ordring', which is not an app id", error.Message, StringComparison.Ordinal);
        Assert.Equal("did you mean 'ordering'?", error.Fix);
    }

    [Fact]
    public void A_pipeline_handler_without_its_component_is_an_error_because_daprd_skips_it_silently()
    {
        var result = LintLocalWith("gateway-config.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: gateway-config
            spec:
              httpPipeline:
                handlers:
                  - name: ratelimiter
                    type: middleware.http.ratelimit
            """);

        Assert.Contains(result.Errors, e => e.Message.StartsWith("httpPipeline runs 'ratelimiter'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Headline.StartsWith("gateway needs middleware from ratelimit", StringComparison.Ordinal));
    }

    [Fact]
    public void A_retry_policy_without_max_retries_is_a_warning()
    {
        var result = LintLocalWith("resiliency.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: resiliency
            spec:
              policies:
                retries:
                  forever:
                    policy: constant
                    duration: 1s
              targets:
                components:
                  pubsub:
                    outbound:
                      retry: forever
                      timeout: missing
            """);

        Assert.Contains(result.Warnings, w => w.Message.StartsWith("retry policy 'forever' has no maxRetries", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Message == "targets.components.pubsub.outbound refers to timeout policy 'missing', which is not defined");
    }

    [Fact]
    public void A_rabbitmq_broker_that_deletes_idle_queues_is_not_durable()
    {
        var result = LintLocalWith("pubsub.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.rabbitmq
              version: v1
              metadata:
                - name: connectionString
                  secretKeyRef:
                    name: redis-password
                - name: deliveryMode
                  value: "2"
            scopes: [catalog, cart, inventory, ordering, payment, notification, fulfilment]
            auth:
              secretStore: secretstore
            """);

        Assert.Equal(7, result.Errors.Count());
        Assert.All(result.Errors, e => Assert.Contains("`deletedWhenUnused` is not \"false\"", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void An_outbox_pointing_at_the_wrong_topic_is_an_error()
    {
        var result = LintLocalWith("order-store.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: order-store
            spec:
              type: state.redis
              version: v1
              metadata:
                - name: redisHost
                  value: localhost:6379
                - name: outboxPublishPubsub
                  value: pubsub
                - name: outboxPublishTopic
                  value: order-events
                - name: outboxDiscardWhenMissingState
                  value: "true"
            scopes: [ordering]
            """);

        Assert.Equal("the outbox publishes to topic 'order-events', but ordering's subscribers listen on 'orders'",
            Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void A_need_the_lint_cannot_check_is_reported_against_the_needs_file()
    {
        var needsFile = Path.Combine(overlay, "needs.yaml");
        File.WriteAllText(needsFile, """
            services:
              cart:
                uses:
                  cart-store: { kind: state, needs: [etag, strong-consistency] }
            """);

        var result = LintLocalWith("unused.yaml", "kind: Unrelated\n", ServiceNeeds.Load(needsFile));

        Assert.Contains(result.Errors, e => e.Service == "cart" && e.Message.StartsWith("need 'strong-consistency'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_resource_twice_in_one_folder_is_an_error()
    {
        var result = LintLocalWith("ratelimit-copy.yaml",
            File.ReadAllText(Repository.Path("components", "local", "ratelimit.yaml")) + "\n---\n"
            + File.ReadAllText(Repository.Path("components", "local", "ratelimit.yaml")));

        Assert.Contains(result.Errors, e => e.Message.StartsWith("Component 'ratelimit' is defined twice", StringComparison.Ordinal));
    }

    [Fact]
    public void The_command_rejects_missing_arguments_with_exit_code_two()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(2, LintCommand.Run([], output, error));
        Assert.Contains("usage: ComponentLint", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_allow_rule_no_declared_call_uses_is_a_warning()
    {
        var appconfig = File.ReadAllText(Repository.Path("components", "local", "appconfig.yaml")).Replace(
            """
                      - name: /api/cart
                        httpVerb: ["GET"]
            """,
            """
                      - name: /api/cart
                        httpVerb: ["GET", "DELETE"]
            """, StringComparison.Ordinal);

        var result = LintLocalWith("appconfig.yaml", appconfig);

        Assert.True(result.Passed);
        Assert.Equal("allows ordering to call DELETE /api/cart, but components/service-needs.yaml declares no such call",
            Assert.Single(result.Warnings).Message);
    }

    /// <summary>service-needs.yaml plus a workflow app (as the fulfilment service will be) that uses no component.</summary>
    // Fulfilment is the shipped workflow app (service-needs.yaml says `workflows: true`).
    private static ServiceNeeds NeedsWithWorkflowApp() => ServiceNeeds.Load(Repository.Path("components", "service-needs.yaml"));

    [Fact]
    public void A_workflow_app_without_an_actor_state_store_is_an_error_with_the_reason()
    {
        var actorStore = File.ReadAllText(Repository.Path("components", "local", "actor-store.yaml"))
            .Replace("""
                    - name: actorStateStore
                      value: "true"
                """, "", StringComparison.Ordinal)
            .Replace("scopes: [inventory, ordering]", "scopes: [inventory, ordering, fulfilment]", StringComparison.Ordinal);

        var result = LintLocalWith("actor-store.yaml", actorStore, NeedsWithWorkflowApp());

        Assert.False(result.Passed);
        Assert.Contains(result.Errors, e => e.Message ==
            "fulfilment run Dapr Workflows, but no state store is marked actorStateStore; workflow history lives in the actor state store, "
            + "so every workflow start fails (the state store is not configured to use the actor runtime)");
    }

    [Fact]
    public void A_workflow_app_left_out_of_the_actor_state_stores_scopes_is_an_error()
    {
        var actorStore = File.ReadAllText(Repository.Path("components", "local", "actor-store.yaml"))
            .Replace("scopes: [inventory, ordering, fulfilment]", "scopes: [inventory, ordering]", StringComparison.Ordinal);

        var result = LintLocalWith("actor-store.yaml", actorStore, NeedsWithWorkflowApp());

        var error = Assert.Single(result.Errors, e => e.Service == "fulfilment");
        Assert.Equal("its scopes [inventory, ordering] leave fulfilment out, so fulfilment's workflows have no state store", error.Message);
    }

    [Fact]
    public void A_workflow_app_on_an_actor_store_without_transactions_is_an_error()
    {
        var actorStore = """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: actor-store
            spec:
              type: state.cassandra
              version: v1
              metadata:
                - name: hosts
                  value: localhost
                - name: actorStateStore
                  value: "true"
            scopes: [inventory, ordering, fulfilment]
            """;

        var result = LintLocalWith("actor-store.yaml", actorStore, NeedsWithWorkflowApp());

        Assert.Contains(result.Errors, e => e.Service == "fulfilment"
            && e.Message == "actor state needs ETag and transactions, but state.cassandra has no ETag, no transactions (daprd fails every actor state call)");
    }
}
