using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using static Flipkart.EmbeddedDapr.Tests.Conformance.Errors;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

public class HttpAndMetadataConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Health_endpoints_answer_204(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        Assert.True(await sut.Dapr.CheckHealthAsync(Ct));
        Assert.True(await sut.Dapr.CheckOutboundHealthAsync(Ct));
        Assert.Equal(HttpStatusCode.NoContent, (await sut.Http.GetAsync("/v1.0/healthz", Ct)).StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_http_state_api_saves_reads_with_etag_header_and_answers_204_for_missing_keys(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("http");

        var save = await sut.Http.PostAsync("/v1.0/state/statestore", JsonContent.Create(new[] { new { key, value = new { n = 1 } } }), Ct);
        var get = await sut.Http.GetAsync($"/v1.0/state/statestore/{key}", Ct);
        var missing = await sut.Http.GetAsync($"/v1.0/state/statestore/{Sut.Key("absent")}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, save.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("{\"n\":1}", await get.Content.ReadAsStringAsync(Ct));
        Assert.NotEmpty(get.Headers.GetValues("ETag").Single());
        Assert.Equal(HttpStatusCode.NoContent, missing.StatusCode);
        Assert.Equal(1, (await sut.Dapr.GetStateAsync<JsonObject>("statestore", key, cancellationToken: Ct))!["n"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_http_state_api_reports_an_etag_mismatch_as_409_ERR_STATE_SAVE(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("http-etag");
        await sut.Dapr.SaveStateAsync("statestore", key, 1, cancellationToken: Ct);

        var response = await sut.Http.PostAsync("/v1.0/state/statestore", JsonContent.Create(new[] { new { key, value = 2, etag = "stale" } }), Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("ERR_STATE_SAVE", (string?)body!["errorCode"]);
        Assert.StartsWith("failed saving state in state store statestore: possible etag mismatch", (string?)body["message"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_http_state_api_reports_an_unknown_store_as_400_ERR_STATE_STORE_NOT_FOUND(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var response = await sut.Http.GetAsync("/v1.0/state/nope/k", Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ERR_STATE_STORE_NOT_FOUND", (string?)body!["errorCode"]);
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", (string?)body["details"]![0]!["@type"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_http_transaction_and_bulk_apis_work_together(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        string a = Sut.Key("ht-a"), b = Sut.Key("ht-b");

        var tx = await sut.Http.PostAsync("/v1.0/state/statestore/transaction", JsonContent.Create(new
        {
            operations = new object[]
            {
                new { operation = "upsert", request = new { key = a, value = "A" } },
                new { operation = "upsert", request = new { key = b, value = "B" } },
            },
        }), Ct);
        var bulk = await sut.Http.PostAsync("/v1.0/state/statestore/bulk", JsonContent.Create(new { keys = new[] { a, b } }), Ct);
        var items = await bulk.Content.ReadFromJsonAsync<JsonArray>(Ct);

        Assert.Equal(HttpStatusCode.NoContent, tx.StatusCode);
        Assert.Equal(["A", "B"], items!.Select(i => (string?)i!["data"]));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_http_body_over_4_MiB_is_rejected_with_413(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var huge = "[{\"key\":\"k\",\"value\":\"" + new string('x', 5 * 1024 * 1024) + "\"}]";

        // Expect: 100-continue lets the server refuse before the client has written 5 MiB into a closed socket. The client
        // waits for that answer far longer than its 1 s default, which a loaded machine exceeds (then it sends anyway).
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = sut.HttpEndpoint };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/state/statestore")
        {
            Content = new StringContent(huge, Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Metadata_reports_the_app_id_and_each_stores_capabilities(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var metadata = await sut.Dapr.GetMetadataAsync(Ct);

        Assert.Equal(ConformanceResources.AppId, metadata.Id);
        var components = metadata.Components.ToDictionary(c => c.Name);
        Assert.Contains("ACTOR", components["statestore"].Capabilities);
        Assert.Contains("ETAG", components["redisstore"].Capabilities);
        Assert.Equal(["TTL"], components["cassandrastore"].Capabilities);
        Assert.DoesNotContain("hiddenstore", components.Keys);
        Assert.Equal("state.redis", components["redisstore"].Type);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task SetMetadata_values_appear_in_extended_metadata(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        await sut.Dapr.SetMetadataAsync("team", "checkout", Ct);

        Assert.Equal("checkout", (await sut.Dapr.GetMetadataAsync(Ct)).Extended["team"]);
        var http = await sut.Http.GetFromJsonAsync<JsonObject>("/v1.0/metadata", Ct);
        Assert.Equal("checkout", (string?)http!["extended"]!["team"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_scoped_component_is_invisible_to_other_apps(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Dapr.GetStateAsync<string>("hiddenstore", "k", cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("state store hiddenstore is not found", ex.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_rpc_the_sidecar_does_not_serve_answers_Unimplemented_naming_the_method(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "daprd implements every RPC" });

        var ex = await ThrowsRpc(() => sut.Grpc.TryLockAlpha1Async(new Proto.TryLockRequest { StoreName = "lock", ResourceId = "r", LockOwner = "o", ExpiryInSeconds = 5 }, sut.Call).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("TryLockAlpha1", ex.Status.Detail);
    }
}
