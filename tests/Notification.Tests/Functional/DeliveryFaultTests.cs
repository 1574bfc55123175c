using System.Net.Http.Json;
using System.Text.Json;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Faults;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.Notification.Apis;
using Flipkart.Notification.Domain;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Notification.Tests.Functional;

/// <summary>Real pub/sub delivery to two replicas with the broker duplicating and reordering messages.</summary>
[Functional]
public class DeliveryFaultTests(NotificationApiFixture fixture) : IClassFixture<NotificationApiFixture>
{
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DuplicatedAndReorderedEvents_YieldOneNotificationPerOrderAndKind()
    {
        var broker = PubSubModule.Broker(fixture.Cluster);
        broker.Faults.Set(new PubSubFaults { DuplicateDeliveries = 2, ReorderWindow = 4, AppId = AppIds.Notification });
        try
        {
            var user = "user-" + Guid.NewGuid().ToString("N")[..8];
            var confirmed = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
            var cancelled = Guid.NewGuid();
            using var dapr = fixture.StubSidecar(AppIds.Ordering).CreateDaprClient();
            using var payment = fixture.StubSidecar(AppIds.Payment).CreateDaprClient();

            foreach (var orderId in confirmed)
            {
                await Publish(dapr, "orders", "OrderSubmitted", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, total = 10m });
                await Publish(dapr, "orders", "OrderConfirmed", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, total = 10m, lines = Array.Empty<object>() });
            }
            await Publish(dapr, "orders", "OrderCancelled", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = cancelled, userId = user, reason = "PaymentFailed", lines = Array.Empty<object>() });
            await Publish(payment, "payments", "PaymentRefunded", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = cancelled, paymentId = "pay-1", amount = 10m, userId = user });

            Assert.True(await broker.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct), "the broker did not drain");

            using var client = NotificationApiFixture.Client(fixture.ReplicaB, user);
            var page = await client.GetFromJsonAsync<NotificationPage>("/api/notifications", Json, Ct);
            Assert.Equal(5, page!.TotalCount);
            Assert.Equal(confirmed.Order(), page.Items.Where(n => n.Kind == NotificationKind.OrderConfirmed).Select(n => n.OrderId).Order());
            Assert.Single(page.Items, n => n.Kind == NotificationKind.OrderCancelled && n.OrderId == cancelled);
            Assert.Single(page.Items, n => n.Kind == NotificationKind.PaymentRefunded && n.OrderId == cancelled);
        }
        finally
        {
            broker.Faults.Set(PubSubFaults.None);
        }
    }

    private static Task Publish(DaprClient dapr, string topic, string type, object data) =>
        dapr.PublishEventAsync(DaprComponents.PubSub, topic, data, new Dictionary<string, string> { ["cloudevent.type"] = type }, Ct);
}
