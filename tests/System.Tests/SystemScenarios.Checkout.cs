using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.SystemTests.Infrastructure;

namespace Flipkart.SystemTests;

/// <summary>This part: a signed-in customer's checkout through the whole saga, as the storefront drives it.</summary>
public abstract partial class SystemScenarios
{
    private static readonly TimeSpan SagaTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_customer_checks_out_a_cart_and_watches_the_order_reach_confirmed_with_a_notification()
    {
        fixture.RequireApps("cart", "inventory", "ordering", "payment", "notification");
        await AssertActorsHostedAsync();

        var productId = await FindProductAsync("samsung phone");
        using var admin = await SignedInAsync($"admin-{Guid.NewGuid():N}", "admin");
        using var customer = await SignedInAsync($"buyer-{Guid.NewGuid():N}", "customer");

        using (var stock = await admin.PutAsJsonAsync($"api/inventory/{productId}", new { available = 10 }, Cancellation))
        {
            Assert.True(stock.IsSuccessStatusCode, $"setting stock: {(int)stock.StatusCode} {await stock.Content.ReadAsStringAsync(Cancellation)}");
        }
        using (var line = await customer.PutAsJsonAsync($"api/cart/items/{productId}", new { quantity = 2 }, Cancellation))
        {
            await line.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        }

        var idempotencyKey = Guid.NewGuid().ToString();
        using var placed = await customer.SendPolitelyAsync(() =>
        {
            var place = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(new { }) };
            place.Headers.Add("Idempotency-Key", idempotencyKey);
            return place;
        }, Cancellation);
        await placed.ShouldBeAsync(HttpStatusCode.Accepted, Cancellation);
        var orderId = (await placed.ReadJsonAsync(Cancellation)).GetProperty("orderId").GetString()!;

        // The owner's live status stream (SSE) opens with the current status and ends after a final one.
        var statuses = await ReadStatusStreamAsync(customer, orderId);
        // Statuses only move forward, and notification may hear fulfilment's OrderShipped before ordering's
        // OrderConfirmed (two topics, no order between them): the stream can go from Paid straight to Shipped.
        Assert.Contains(statuses[^1], (string[])["Confirmed", "Shipped", "OutForDelivery", "Delivered"]);

        using (var order = await customer.GetAsync($"api/orders/{orderId}", Cancellation))
        {
            await order.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
            // Confirmed is the saga's outcome; fulfilment moves the timeline on (Packed, Shipped…) within moments.
            var json = await order.ReadJsonAsync(Cancellation);
            Assert.Equal("Confirmed", json.GetProperty("outcome").GetString());
            Assert.Contains(json.GetProperty("status").GetString(), (string[])["Confirmed", "Packed", "Shipped"]);
        }

        var notified = await EventuallyAsync(async () =>
        {
            using var response = await customer.GetAsync("api/notifications", Cancellation);
            var page = await response.ReadJsonAsync(Cancellation);
            return page.GetProperty("items").EnumerateArray().Any(n => n.GetProperty("orderId").GetString() == orderId);
        });
        Assert.True(notified, $"no notification for order {orderId}");

        var cleared = await EventuallyAsync(async () =>
        {
            using var response = await customer.GetAsync("api/cart", Cancellation);
            return response.StatusCode == HttpStatusCode.NotFound
                || (await response.ReadJsonAsync(Cancellation)).GetProperty("lines").GetArrayLength() == 0;
        });
        Assert.True(cleared, "the cart was not cleared after the order was confirmed");
    }

    [Fact]
    public async Task Another_customers_order_is_not_found()
    {
        fixture.RequireApps("ordering");

        using var stranger = await SignedInAsync($"stranger-{Guid.NewGuid():N}", "customer");
        using var response = await stranger.GetAsync($"api/orders/{Guid.NewGuid()}", Cancellation);

        await response.ShouldBeAsync(HttpStatusCode.NotFound, Cancellation);
    }

    [Fact]
    public async Task Checkout_without_a_token_is_401()
    {
        fixture.RequireApps("ordering");

        using var response = await fixture.Gateway.SendPolitelyAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(new { }) };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            return request;
        }, Cancellation);

        await response.ShouldBeAsync(HttpStatusCode.Unauthorized, Cancellation);
    }

    /// <summary>Ordering and inventory host actors; without an actor runtime in the sidecar the saga cannot run.</summary>
    private async Task AssertActorsHostedAsync()
    {
        var ordering = fixture.Run!.Replicas.First(r => r.AppId == "ordering");
        using var sidecar = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ordering.DaprHttpPort}") };
        var metadata = await (await sidecar.GetAsync("v1.0/metadata", Cancellation)).ReadJsonAsync(Cancellation);

        var registered = metadata.TryGetProperty("actors", out var actors) && actors.ValueKind == JsonValueKind.Array && actors.GetArrayLength() > 0;
        var runtimeReady = metadata.TryGetProperty("actorRuntime", out var runtime) && runtime.ValueKind == JsonValueKind.Object
            && runtime.TryGetProperty("hostReady", out var ready) && ready.ValueKind == JsonValueKind.True;
        Assert.True(registered || runtimeReady, "ordering's sidecar lists no actor types: the reservation timers cannot run, so the saga cannot either");
    }

    private async Task<string> FindProductAsync(string query)
    {
        using var response = await fixture.Gateway.GetPolitelyAsync($"api/catalog/products?q={Uri.EscapeDataString(query)}&pageSize=1", Cancellation);
        await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        return (await response.ReadJsonAsync(Cancellation)).GetProperty("items")[0].GetProperty("id").GetString()!;
    }

    /// <summary>
    /// A client carrying a dev token for <paramref name="userId"/> (the gateway issues them in Development); an
    /// administrator's is signed with the profile's key, since the dev-token endpoint never issues <c>admin</c>.
    /// </summary>
    private async Task<HttpClient> SignedInAsync(string userId, string role)
    {
        if (role == "admin")
        {
            var admin = new HttpClient { BaseAddress = fixture.Run!.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                Flipkart.Testing.DevSigningKeyTokens.Create(Repository.Root, fixture.Profile, userId, role));
            return admin;
        }
        using var response = await fixture.Gateway.SendPolitelyAsync(
            () => new HttpRequestMessage(HttpMethod.Post, "api/auth/dev-token") { Content = JsonContent.Create(new { userId, roles = new[] { role } }) },
            Cancellation);
        await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        var token = (await response.ReadJsonAsync(Cancellation)).GetProperty("accessToken").GetString();

        var client = new HttpClient { BaseAddress = fixture.Run!.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The statuses an order's SSE stream reports, until it reports the saga's decision (Confirmed, Cancelled or a later stage).</summary>
    private static async Task<List<string>> ReadStatusStreamAsync(HttpClient client, string orderId)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(SagaTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var stream = new HttpClient { BaseAddress = client.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        stream.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        using var response = await stream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var statuses = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        try
        {
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }
                using var data = JsonDocument.Parse(line["data:".Length..]);
                var status = data.RootElement.GetProperty("status").GetString()!;
                statuses.Add(status);
                if (status is not ("Submitted" or "StockReserved" or "Paid"))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!Cancellation.IsCancellationRequested)
        {
            Assert.Fail($"Order {orderId} reached no final status within {SagaTimeout.TotalSeconds:0}s; the stream showed: {string.Join(" → ", statuses)}");
        }
        Assert.NotEmpty(statuses);
        return statuses;
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(250, Cancellation);
        }
        return await condition();
    }
}
