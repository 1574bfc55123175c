using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using static Flipkart.EmbeddedDapr.Tests.Conformance.Errors;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

public class SecretsConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_local_file_secret_is_returned_as_a_single_entry_map(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var secret = await sut.Dapr.GetSecretAsync("secretstore", "jwt-signing-key", cancellationToken: Ct);

        Assert.Equal(new Dictionary<string, string> { ["jwt-signing-key"] = "dev-signing-key" }, secret);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Nested_json_secrets_are_flattened_with_the_nested_separator(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var secret = await sut.Dapr.GetSecretAsync("secretstore", "db:password", cancellationToken: Ct);

        Assert.Equal("s3cret", secret["db:password"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_missing_secret_is_Internal_with_daprd_wording(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Dapr.GetSecretAsync("secretstore", "nope", cancellationToken: Ct));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal("failed getting secret with key nope from secret store secretstore: secret nope not found", ex.Status.Detail);
        Assert.Null(ErrorInfo(ex));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_unknown_secret_store_is_InvalidArgument_over_gRPC_and_401_over_HTTP(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Dapr.GetSecretAsync("vault", "k", cancellationToken: Ct));
        var response = await sut.Http.GetAsync("/v1.0/secrets/vault/k", Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("failed finding secret store with key vault", ex.Status.Detail);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("ERR_SECRET_STORE_NOT_FOUND", (string?)body!["errorCode"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task With_no_secret_store_loaded_secret_calls_are_FailedPrecondition(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { Resources = [ConformanceResources.Component("statestore", "state.in-memory")] });

        var ex = await ThrowsRpc(() => sut.Dapr.GetSecretAsync("secretstore", "k", cancellationToken: Ct));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("secret store is not configured", ex.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Bulk_secrets_return_every_secret_by_name(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var all = await sut.Dapr.GetBulkSecretAsync("secretstore", cancellationToken: Ct);

        Assert.Equal("dev-signing-key", all["jwt-signing-key"]["jwt-signing-key"]);
        Assert.Equal("admin", all["db:user"]["db:user"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_http_secrets_api_returns_the_secret_map_as_json(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var body = await sut.Http.GetFromJsonAsync<Dictionary<string, string>>("/v1.0/secrets/secretstore/jwt-signing-key", Ct);

        Assert.Equal("dev-signing-key", body!["jwt-signing-key"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_env_secret_store_reads_process_environment_variables(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "sets an environment variable in the test process" });
        var name = $"CONFORMANCE_SECRET_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(name, "from-env");
        try
        {
            var response = await sut.Grpc.GetSecretAsync(new Proto.GetSecretRequest { StoreName = "envsecrets", Key = name }, sut.Call);

            Assert.Equal("from-env", response.Data[name]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_multi_valued_file_store_returns_each_top_level_key_as_one_secret(string target)
    {
        var spec = new SutSpec
        {
            Resources = [ConformanceResources.Component("multi", "secretstores.local.file",
                metadata: $"- name: secretsFile\n  value: \"{ConformanceResources.SecretsFile}\"\n- name: multiValued\n  value: \"true\"")],
        };
        await using var sut = await Sut.StartAsync(target, spec);

        var secret = await sut.Dapr.GetSecretAsync("multi", "db", cancellationToken: Ct);

        Assert.Equal(new Dictionary<string, string> { ["user"] = "admin", ["password"] = "s3cret" }, secret);
    }
}
