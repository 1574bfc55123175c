using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Flipkart.Payment.Tests.Functional;

/// <summary>Payment without its sidecar: reads and deliveries are an outage answer (503 with Retry-After), never a 500 or an ack.</summary>
[Functional]
public sealed class OutageTests(PaymentApiFixture fixture) : IClassFixture<PaymentApiFixture>
{
    [Fact]
    public async Task ReadsAndDeliveries_Answer503WithRetryAfter_WhenTheSidecarIsDown()
    {
        await using var payment = fixture.WithSidecarDown();
        using var admin = payment.CreateClient().As("ops", CallerIdentity.AdminRole);
        var orderId = Guid.NewGuid();

        using var read = await admin.GetAsync($"/api/payments/orders/{orderId}", TestContext.Current.CancellationToken);
        // A StockReserved that cannot be recorded must come back from Dapr later, not be acknowledged.
        using var delivery = await payment.CreateClient().PostAsync("/integration-events/stock-reserved", new StringContent(
            $$$"""{"specversion":"1.0","id":"1","source":"test","type":"StockReserved","datacontenttype":"application/json","data":{"eventId":"{{{Guid.NewGuid()}}}","occurredAt":"2026-12-01T10:00:00Z","orderId":"{{{orderId}}}","userId":"u","amount":10,"expiresAt":"2026-12-01T10:10:00Z"}}""",
            System.Text.Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);

        await Outage.AssertAnswered503Async(read);
        await Outage.AssertAnswered503Async(delivery);
    }
}
