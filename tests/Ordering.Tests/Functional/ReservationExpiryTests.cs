using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>Ordering with the real per-order actor reminder, on a fake clock shared by the sidecars and the app.</summary>
public sealed class ReservationExpiryFixture : OrderingApiFixture
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override TimeProvider Clock => Time;

    protected override bool UseActorReservationTimer => true;

    protected override TimeSpan ReservationTimeout => TimeSpan.FromSeconds(30);
}

[Functional]
public sealed class ReservationExpiryTests(ReservationExpiryFixture fixture) : IClassFixture<ReservationExpiryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpClient Client, Guid OrderId)> PlaceOrderAsync()
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"exp-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ("Expiring", 50m);
        fixture.Stubs.Carts[user] = [(productId, 1)];
        var client = fixture.ClientFor(user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders");
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (client, Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["orderId"]!));
    }

    private static async Task<JsonObject> OrderAsync(HttpClient client, Guid orderId) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}", Ct))!;

    private static async Task<JsonObject> WaitForStatusAsync(HttpClient client, Guid orderId, string status)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(45));
        while (true)
        {
            var order = await OrderAsync(client, orderId);
            if ((string)order["status"]! == status)
            {
                return order;
            }
            await Task.Delay(50, timeout.Token);
        }
    }

    [Fact]
    public async Task AnUnpaidOrder_IsCancelledWhenItsReservationLapses_AndAConfirmedOneIsLeftAlone()
    {
        var (unpaidClient, unpaid) = await PlaceOrderAsync();
        var (paidClient, paid) = await PlaceOrderAsync();
        using var confirm = fixture.Factory.CreateClient();
        using var delivered = await confirm.PostAsync("/integration-events/payment-succeeded", new StringContent(
            new JsonObject
            {
                ["specversion"] = "1.0", ["id"] = "1", ["source"] = "test", ["type"] = "PaymentSucceeded", ["datacontenttype"] = "application/json",
                ["data"] = new JsonObject { ["eventId"] = Guid.NewGuid().ToString(), ["occurredAt"] = fixture.Time.GetUtcNow().ToString("O"), ["orderId"] = paid.ToString(), ["paymentId"] = "pay_x", ["amount"] = 50 },
            }.ToJsonString(), System.Text.Encoding.UTF8, "application/cloudevents+json"), Ct);
        Assert.Equal("Confirmed", (string)(await OrderAsync(paidClient, paid))["status"]!);

        Assert.Equal("Submitted", (string)(await OrderAsync(unpaidClient, unpaid))["status"]!);
        fixture.Time.Advance(TimeSpan.FromSeconds(31));

        var expired = await WaitForStatusAsync(unpaidClient, unpaid, "Cancelled");
        Assert.Equal("ReservationExpired", (string)expired["cancellationReason"]!);
        // Both reminders were due at the same instant; the confirmed order's fired too and changed nothing.
        Assert.Equal("Confirmed", (string)(await OrderAsync(paidClient, paid))["status"]!);
    }

    [Fact]
    public async Task AnOrderIsNotCancelledBeforeItsReservationLapses()
    {
        var (witnessClient, witness) = await PlaceOrderAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        var (client, orderId) = await PlaceOrderAsync();

        // 35 s after the witness and 25 s after our order: the witness's reminder fires, ours is not due yet.
        fixture.Time.Advance(TimeSpan.FromSeconds(25));
        await WaitForStatusAsync(witnessClient, witness, "Cancelled");
        Assert.Equal("Submitted", (string)(await OrderAsync(client, orderId))["status"]!);

        fixture.Time.Advance(TimeSpan.FromSeconds(6));
        var expired = await WaitForStatusAsync(client, orderId, "Cancelled");
        Assert.Equal("ReservationExpired", (string)expired["cancellationReason"]!);
    }
}
