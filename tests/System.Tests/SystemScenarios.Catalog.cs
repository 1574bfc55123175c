using System.Net;
using System.Text.Json;
using Flipkart.SystemTests.Infrastructure;

namespace Flipkart.SystemTests;

/// <summary>
/// The shop as its clients see it: through the gateway's public URL only, into real service processes and
/// their sidecars. Runs once per component profile (the derived classes at the end). This part: browsing
/// anonymously, bad input, and the per-IP rate limit.
/// </summary>
public abstract partial class SystemScenarios(LocalRunFixture fixture)
{
    protected LocalRunFixture Fixture => fixture;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Searching_samsung_phone_by_price_returns_matching_products_cheapest_first_with_facets()
    {
        fixture.RequireRun();

        using var response = await fixture.Gateway.GetPolitelyAsync("api/catalog/products?q=samsung%20phone&sort=price_asc&pageSize=20", Cancellation);
        await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        var result = await response.ReadJsonAsync(Cancellation);

        var items = result.GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(items);
        Assert.True(result.GetProperty("total").GetInt32() >= items.Count);
        var prices = items.Select(i => i.GetProperty("price").GetDecimal()).ToList();
        Assert.Equal(prices.Order(), prices);
        Assert.All(items, item =>
        {
            var text = $"{item.GetProperty("title").GetString()} {item.GetProperty("brand").GetString()} {item.GetProperty("description").GetString()}";
            Assert.True(text.Contains("samsung", StringComparison.OrdinalIgnoreCase) || text.Contains("phone", StringComparison.OrdinalIgnoreCase),
                $"'{text}' matches neither search term");
        });

        var brands = result.GetProperty("facets").GetProperty("brands").EnumerateArray().ToList();
        var samsung = Assert.Single(brands, b => b.GetProperty("value").GetString()!.Equals("samsung", StringComparison.OrdinalIgnoreCase)
            || b.GetProperty("label").GetString() == "Samsung");
        Assert.True(samsung.GetProperty("count").GetInt32() > 0);
        Assert.NotEmpty(result.GetProperty("facets").GetProperty("categories").EnumerateArray());
    }

    [Fact]
    public async Task Relevance_ranking_puts_samsung_phones_above_products_matching_one_term()
    {
        fixture.RequireRun();

        using var response = await fixture.Gateway.GetPolitelyAsync("api/catalog/products?q=samsung%20phone&pageSize=5", Cancellation);
        await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        var top = (await response.ReadJsonAsync(Cancellation)).GetProperty("items").EnumerateArray().First();

        Assert.Equal("Samsung", top.GetProperty("brand").GetString(), ignoreCase: true);
    }

    [Fact]
    public async Task A_product_found_by_search_is_served_by_id_with_the_same_listing()
    {
        fixture.RequireRun();

        using var search = await fixture.Gateway.GetPolitelyAsync("api/catalog/products?q=samsung%20phone&pageSize=1", Cancellation);
        await search.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        var hit = (await search.ReadJsonAsync(Cancellation)).GetProperty("items")[0];
        var id = hit.GetProperty("id").GetString();

        using var response = await fixture.Gateway.GetPolitelyAsync($"api/catalog/products/{Uri.EscapeDataString(id!)}", Cancellation);
        await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        var product = await response.ReadJsonAsync(Cancellation);

        Assert.Equal(id, product.GetProperty("id").GetString());
        Assert.Equal(hit.GetProperty("title").GetString(), product.GetProperty("title").GetString());
        Assert.Equal(hit.GetProperty("price").GetDecimal(), product.GetProperty("price").GetDecimal());
    }

    [Fact]
    public async Task An_unknown_product_is_a_404_problem()
    {
        fixture.RequireRun();

        using var response = await fixture.Gateway.GetPolitelyAsync("api/catalog/products/no-such-product-0000", Cancellation);

        await response.ShouldBeAsync(HttpStatusCode.NotFound, Cancellation);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("page=-1")]
    [InlineData("sort=cheapest")]
    [InlineData("minPrice=abc")]
    [InlineData("pageSize=100000")]
    public async Task Bad_search_input_is_a_400_problem_never_a_server_error(string query)
    {
        fixture.RequireRun();

        using var response = await fixture.Gateway.GetPolitelyAsync($"api/catalog/products?{query}", Cancellation);

        await response.ShouldBeAsync(HttpStatusCode.BadRequest, Cancellation);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_10_kb_query_is_a_400_problem_never_a_server_error()
    {
        fixture.RequireRun();

        using var response = await fixture.Gateway.GetPolitelyAsync($"api/catalog/products?q={new string('a', 10 * 1024)}", Cancellation);

        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public async Task Anonymous_calls_beyond_the_per_ip_limit_get_429_with_retry_after_and_a_problem()
    {
        fixture.RequireRun();

        // The gateway runs with a deliberately small per-IP limit (LocalRunFixture). Bursts of twice the limit, sent
        // at once, land inside one window even on a slow machine, so calls past the limit are refused.
        HttpResponseMessage? refused = null;
        for (var burst = 0; burst < 3 && refused is null; burst++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, LocalRunFixture.PerIpPermitLimit * 2)
                .Select(_ => fixture.Gateway.GetAsync("api/catalog/categories", Cancellation)));
            foreach (var response in responses)
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests && refused is null)
                {
                    refused = response;
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
                }
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.True(refused.Headers.RetryAfter.Delta > TimeSpan.Zero || refused.Headers.RetryAfter.Date is not null);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(429, (await refused.ReadJsonAsync(Cancellation)).GetProperty("status").GetInt32());
        }
    }
}

[Collection(LocalRunLanes.Profiles)]
public sealed class SystemOnLocalProfile(LocalProfileFixture fixture)
    : SystemScenarios(fixture), IClassFixture<LocalProfileFixture>;

[Collection(LocalRunLanes.Profiles)]
public sealed class SystemOnRabbitMqMySqlProfile(RabbitMqMySqlProfileFixture fixture)
    : SystemScenarios(fixture), IClassFixture<RabbitMqMySqlProfileFixture>;

[Collection(LocalRunLanes.Profiles)]
public sealed class SystemOnKafkaCassandraProfile(KafkaCassandraProfileFixture fixture)
    : SystemScenarios(fixture), IClassFixture<KafkaCassandraProfileFixture>;
