using System.Collections.Concurrent;
using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resiliency;
using Flipkart.EmbeddedDapr.Resources;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>Declarative <c>kind: Subscription</c> resources of the cluster, parsed at start-up.</summary>
public sealed record DeclarativeSubscriptions(IReadOnlyList<Subscription> All)
{
    public IEnumerable<Subscription> For(string appId) => All.Where(s => s.AppliesTo(appId));
}

/// <summary>
/// Pub/sub for the embedded sidecar: one cluster-wide <see cref="PubSubBroker"/> serving every <c>pubsub.*</c> component,
/// publishing over gRPC (<c>PublishEvent</c>, <c>BulkPublishEvent[Alpha1]</c>) and HTTP (<c>/v1.0/publish</c>,
/// <c>/v1.0-alpha1/publish/bulk</c>), subscriptions read from the app's <c>/dapr/subscribe</c> once it is ready and merged
/// with declarative ones, delivery through the app channel, and the transactional outbox on state transactions.
/// Tests reach the broker with <see cref="Broker(EmbeddedDaprCluster)"/> (counters, faults, idle wait).
/// </summary>
public sealed class PubSubModule : ISidecarModule
{
    private readonly ConcurrentDictionary<EmbeddedDaprSidecar, ISubscriberEndpoint> _endpoints = new(ReferenceEqualityComparer.Instance);

    public int Order => 10;

    /// <summary>The broker of a cluster (counters, faults, <c>WaitForIdleAsync</c>).</summary>
    public static PubSubBroker Broker(EmbeddedDaprCluster cluster) => cluster.Services.GetRequiredService<PubSubBroker>();

    public void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster)
    {
        var subscriptions = new List<Subscription>();
        foreach (var document in cluster.Resources.OfKind("Subscription"))
        {
            try
            {
                if (SubscriptionParser.ParseDeclarative(document.Json) is { } subscription)
                {
                    subscriptions.Add(subscription);
                }
            }
            catch (SubscriptionLoadException ex)
            {
                throw new DaprResourceException($"{document.Source}: {ex.Message}", ex);
            }
        }

        services.AddSingleton(new DeclarativeSubscriptions(subscriptions));
        services.AddSingleton(sp =>
        {
            var broker = new PubSubBroker(cluster.TimeProvider, sp.GetRequiredService<ResiliencyProvider>(), cluster.LoggerFactory.CreateLogger("Flipkart.EmbeddedDapr.PubSub"));
            foreach (var component in cluster.Components.Where(c => c.Category == "pubsub"))
            {
                broker.AddComponent(new PubsubComponent(component.Name, component.Type, component.Metadata, component.Scopes));
            }

            if (Environment.GetEnvironmentVariable("EMBEDDED_DAPR_PUBSUB_FAULTS") is { Length: > 0 } faults)
            {
                broker.Faults.Set(Faults.PubSubFaults.Parse(faults, cluster.TimeProvider));
            }

            return broker;
        });
        services.AddSingleton(sp => new PubSubPublisher(sp.GetRequiredService<PubSubBroker>(), cluster.TimeProvider));
    }

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar)
    {
        var publisher = sidecar.Cluster.Services.GetRequiredService<PubSubPublisher>();
        services.AddSingleton(publisher);
        services.AddSingleton<IStateTransactionHook>(new TransactionalOutbox(publisher, sidecar.TimeProvider, sidecar.Logger));
        services.AddSingleton<IMetadataContributor>(new SubscriptionMetadata(publisher.Broker));
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, SidecarContext sidecar) => PubSubHttpApi.Map(endpoints);

    public async Task OnAppReadyAsync(SidecarContext sidecar, CancellationToken cancellationToken)
    {
        var channel = sidecar.AppChannel;
        if (channel is null)
        {
            return;
        }

        var broker = Broker(sidecar.Cluster);
        var programmatic = await SubscriptionDiscovery.ReadAsync(channel.Client, channel.BaseAddress, sidecar.AppId, null, sidecar.Logger, cancellationToken);
        var declarative = sidecar.Cluster.Services.GetRequiredService<DeclarativeSubscriptions>().For(sidecar.AppId);
        var subscriptions = SubscriptionParser.Merge(declarative, programmatic);

        // The channel already adds dapr-api-token when APP_API_TOKEN is set.
        var endpoint = Flipkart.EmbeddedDapr.Tracing.SidecarSpans.Trace(
            new HttpSubscriberEndpoint(channel.Client, channel.BaseAddress, sidecar.AppId, $"{sidecar.AppId}@{sidecar.HttpPort}"), sidecar);
        _endpoints[sidecar.Sidecar] = endpoint;
        broker.AttachReplica(endpoint, subscriptions, new SubscriberOptions(sidecar.Options.AppMaxConcurrency));
    }

    public Task OnSidecarStoppingAsync(SidecarContext sidecar)
    {
        if (_endpoints.TryRemove(sidecar.Sidecar, out var endpoint))
        {
            Broker(sidecar.Cluster).DetachReplica(endpoint);
        }

        return Task.CompletedTask;
    }

    private sealed class SubscriptionMetadata(PubSubBroker broker) : IMetadataContributor
    {
        public void Contribute(GetMetadataResponse response, SidecarContext sidecar)
        {
            foreach (var subscription in broker.SubscriptionsOf(sidecar.AppId))
            {
                var item = new PubsubSubscription
                {
                    PubsubName = subscription.PubsubName,
                    Topic = subscription.Topic,
                    DeadLetterTopic = subscription.DeadLetterTopic ?? "",
                    Rules = new PubsubSubscriptionRules(),
                    Type = subscription.Origin == "programmatic" ? PubsubSubscriptionType.Programmatic : PubsubSubscriptionType.Declarative,
                };
                item.Metadata.Add(subscription.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value));
                item.Rules.Rules.Add(subscription.Rules.Select(r => new PubsubSubscriptionRule { Match = r.Match?.Source ?? "", Path = r.Path }));
                response.Subscriptions.Add(item);
            }
        }
    }
}
