using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.PubSub;

namespace Flipkart.Payment.Tests.Functional.Findings;

/// <summary>
/// Finding F2 (issue 13) in payment, on local (payment-store on Redis, MULTI/EXEC without rollback): a charge's outcome
/// racing the order's cancellation. The cancellation voids the record first; the charge's outcome write then fails its
/// ETag check. Were the outcome and its PaymentSucceeded one outbox transaction, daprd would already have handed the
/// loser's PaymentSucceeded over and its marker would land: a charge announced for a voided payment.
/// </summary>
public sealed class F2_LosingChargeOutcomeTests(LocalPayment payment) : IClassFixture<LocalPayment>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> DeliverAsync(string route, string type, object data)
    {
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0", ["id"] = Guid.NewGuid().ToString(), ["source"] = "test", ["type"] = type,
            ["datacontenttype"] = "application/json", ["data"] = JsonSerializer.SerializeToNode(data, JsonSerializerOptions.Web),
        };
        using var client = payment.Factory.CreateClient();
        return await client.PostAsync(route, new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), Ct);
    }

    private long HandedOver() => PubSubModule.Broker(payment.Cluster).Counters.Get(topic: "defaultpaymentpaymentsoutbox", appId: "payment").Published;

    [Fact]
    public async Task F2_A_charge_losing_to_the_cancellation_hands_no_PaymentSucceeded_to_the_outbox()
    {
        var orderId = Guid.NewGuid();
        var reserved = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = "buyer-f2", amount = 499m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };
        var cancelled = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = "buyer-f2", reason = "CancelledByUser", lines = new[] { new { productId = "p1", quantity = 1 } } };
        var before = HandedOver();

        // Hold the charge's second payment-store write (the first records the intent; the second is its outcome,
        // read with the intent's ETag) until the cancellation has voided the record.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = 0;
        payment.OnStoreCall = async (store, operation) =>
        {
            if (store == "payment-store" && operation is "set" or "transaction" && Interlocked.Increment(ref writes) == 2)
            {
                held.TrySetResult();
                await release.Task;
            }
        };
        try
        {
            var charging = DeliverAsync("/integration-events/stock-reserved", "StockReserved", reserved);
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            using var cancelling = await DeliverAsync("/integration-events/order-cancelled", "OrderCancelled", cancelled);
            release.TrySetResult();
            using var charged = await charging;
            Assert.Equal(HttpStatusCode.OK, cancelling.StatusCode);
        }
        finally
        {
            payment.OnStoreCall = null;
            release.TrySetResult();
        }

        Assert.True(payment.Provider.Charged.ContainsKey(orderId), "the provider was never charged; the race did not happen");
        Assert.True(payment.Provider.Voided.ContainsKey(orderId), "the losing charge was not voided at the provider");
        Assert.True(HandedOver() == before,
            $"{HandedOver() - before} event(s) handed to the outbox for order {orderId}, whose payment ended voided: the losing charge's PaymentSucceeded goes out");
    }
}
