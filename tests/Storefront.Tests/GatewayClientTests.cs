using System.Net;
using System.Text;
using Flipkart.Storefront.Gateway;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flipkart.Storefront.Tests;

/// <summary>The storefront's reading of the gateway's answers, against canned responses: no browser, no system.</summary>
public sealed class GatewayClientTests
{
    [Theory]
    [InlineData("""{"productId":"p-1","status":"InStock","available":40,"perUserLimit":null}""", AvailabilityStatus.InStock, 40, null, true)]
    [InlineData("""{"productId":"p-1","status":"FewLeft","available":3,"perUserLimit":2}""", AvailabilityStatus.FewLeft, 3, 2, true)]
    [InlineData("""{"productId":"p-1","status":"OutOfStock","available":0,"perUserLimit":1}""", AvailabilityStatus.OutOfStock, 0, 1, false)]
    public async Task Availability_is_read_from_the_anonymous_availability_path(string body, AvailabilityStatus status, int available, int? limit, bool canBuy)
    {
        var gateway = new CannedGateway(HttpStatusCode.OK, body);

        var result = await gateway.Api.GetAvailabilityAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal(new Availability("p-1", status, available, limit), result.Value);
        Assert.Equal(canBuy, result.Value!.CanBuy);
        Assert.Equal("/api/inventory/p-1/availability", gateway.Request!.RequestUri!.AbsolutePath);
        Assert.Null(gateway.Request.Headers.Authorization); // anonymous: shown before sign-in
    }

    [Fact]
    public async Task A_product_without_a_stock_record_reads_as_out_of_stock_not_as_an_error()
    {
        var gateway = new CannedGateway(HttpStatusCode.NotFound, """{"title":"Unknown product","status":404,"detail":"No stock is recorded for product 'p-9'."}""");

        var result = await gateway.Api.GetAvailabilityAsync("p-9", TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.False(result.Value!.CanBuy);
        Assert.Equal(AvailabilityStatus.OutOfStock, result.Value.Status);
    }

    [Fact]
    public async Task An_unreadable_availability_is_a_problem_so_the_page_shows_unknown_and_leaves_buying_on()
    {
        var gateway = new CannedGateway(HttpStatusCode.ServiceUnavailable, """{"title":"Availability unavailable","status":503}""");

        var result = await gateway.Api.GetAvailabilityAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Null(result.Value);
        Assert.Equal("Availability unavailable", result.Problem!.Title);
    }

    [Fact]
    public async Task Buy_now_sends_the_product_and_key_and_recognises_the_sold_out_gate()
    {
        var gateway = new CannedGateway(HttpStatusCode.Conflict,
            """{"type":"https://flipkart.dapr.dev/problems/sold-out","title":"Sold out","status":409,"detail":"Product 'p-1' is sold out."}""");

        var result = await gateway.Api.BuyNowAsync("token-1", "key-1", "p-1", 1, TestContext.Current.CancellationToken);

        Assert.Equal(GatewayApi.SoldOutProblemType, result.Problem!.Type);
        Assert.Equal("/api/orders/buy-now", gateway.Request!.RequestUri!.AbsolutePath);
        Assert.Equal("key-1", Assert.Single(gateway.Request.Headers.GetValues(GatewayApi.IdempotencyKeyHeader)));
        Assert.Equal("Bearer token-1", gateway.Request.Headers.Authorization!.ToString());
        Assert.Equal("""{"productId":"p-1","quantity":1}""", gateway.Body);
    }

    [Theory]
    [InlineData(AvailabilityStatus.OutOfStock, 0, null, 1, "Phone is out of stock.")]
    [InlineData(AvailabilityStatus.FewLeft, 2, null, 3, "Phone: only 2 left, you asked for 3.")]
    [InlineData(AvailabilityStatus.InStock, 50, 2, 3, "Phone: the limit is 2 per customer, you asked for 3.")]
    [InlineData(AvailabilityStatus.FewLeft, 2, 2, 2, null)]
    public void Checkout_refuses_exactly_the_lines_the_availability_cannot_fill(AvailabilityStatus status, int available, int? limit, int quantity, string? refusal)
    {
        Assert.Equal(refusal, new Availability("p-1", status, available, limit).RefusalFor("Phone", quantity));
    }

    /// <summary>A gateway that answers every request with one canned response and remembers the request.</summary>
    [Fact]
    public async Task Every_call_carries_the_shoppers_own_address_so_the_gateway_limits_each_shopper()
    {
        var gateway = new CannedGateway(HttpStatusCode.OK, """{"productId":"p-1","status":"InStock","available":1,"perUserLimit":null}""");

        await gateway.Api.GetAvailabilityAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal([ShopperAddress], gateway.Request!.Headers.GetValues("X-Forwarded-For"));
    }

    private const string ShopperAddress = "203.0.113.42";

    private sealed class CannedGateway : HttpMessageHandler
    {
        private readonly HttpStatusCode _status;
        private readonly string _body;

        public CannedGateway(HttpStatusCode status, string body)
        {
            (_status, _body) = (status, body);
            var shopper = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(ShopperAddress) } };
            Api = new GatewayApi(new HttpClient(this) { BaseAddress = new Uri("http://gateway.test/") },
                new Hosting.ShopperAddress(new HttpContextAccessor { HttpContext = shopper }), NullLogger<GatewayApi>.Instance);
        }

        public GatewayApi Api { get; }

        public HttpRequestMessage? Request { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(_status) { Content = new StringContent(_body, Encoding.UTF8, "application/problem+json") };
        }
    }
}
