using System.Net;
using Dapr.Client;
using Grpc.Core;
using static Flipkart.EmbeddedDapr.Tests.Conformance.Errors;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

public class ApiTokenConformanceTests
{
    private const string Token = "conformance-token";
    private static CancellationToken Ct => Sut.Ct;
    private static SutSpec Protected => new() { DaprApiToken = Token };

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_gRPC_call_without_the_token_is_Unauthenticated(string target)
    {
        await using var sut = await Sut.StartAsync(target, Protected);

        var ex = await ThrowsRpc(() => sut.Grpc.GetStateAsync(new Proto.GetStateRequest { StoreName = "statestore", Key = "k" },
            cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Equal("missing api token in request metadata", ex.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_gRPC_call_with_a_wrong_token_is_Unauthenticated_mismatch(string target)
    {
        await using var sut = await Sut.StartAsync(target, Protected);

        var ex = await ThrowsRpc(() => sut.Grpc.GetStateAsync(new Proto.GetStateRequest { StoreName = "statestore", Key = "k" },
            new Metadata { { "dapr-api-token", "wrong" } }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Equal("authentication error: api token mismatch", ex.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task DaprClient_configured_with_the_token_is_accepted(string target)
    {
        await using var sut = await Sut.StartAsync(target, Protected);
        var key = Sut.Key("token");

        await sut.Dapr.SaveStateAsync("statestore", key, "ok", cancellationToken: Ct);

        Assert.Equal("ok", await sut.Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_HTTP_call_with_a_wrong_token_is_401_invalid_api_token(string target)
    {
        await using var sut = await Sut.StartAsync(target, Protected);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.0/metadata");
        request.Headers.Add("dapr-api-token", "wrong");
        using var http = new HttpClient { BaseAddress = sut.HttpEndpoint };

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid api token", (await response.Content.ReadAsStringAsync(Ct)).Trim());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Health_endpoints_are_exempt_from_the_token(string target)
    {
        await using var sut = await Sut.StartAsync(target, Protected);
        using var http = new HttpClient { BaseAddress = sut.HttpEndpoint };

        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync("/v1.0/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync("/v1.0/healthz/outbound", Ct)).StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task SaveBulkStateAsync_carries_the_token_since_Dapr_Client_1_19_1(string target)
    {
        // Dapr.Client 1.19.0 sent no token from SaveBulkStateAsync, so daprd rejected it (Unauthenticated); 1.19.1 sends it.
        await using var sut = await Sut.StartAsync(target, Protected);
        var key = Sut.Key("bulk");

        await sut.Dapr.SaveBulkStateAsync("statestore", [new SaveStateItem<int>(key, 1, null!)], cancellationToken: Ct);

        Assert.Equal(1, await sut.Dapr.GetStateAsync<int>("statestore", key, cancellationToken: Ct));
    }
}
