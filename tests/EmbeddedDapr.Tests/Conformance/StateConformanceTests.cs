using System.Text;
using Dapr.Client;
using Dapr.Common.Exceptions;
using Google.Protobuf;
using Grpc.Core;
using static Flipkart.EmbeddedDapr.Tests.Conformance.Errors;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

public sealed record Order(string Id, int Quantity);

public class StateConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Saved_state_reads_back_with_a_non_empty_etag(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("order");
        await sut.Dapr.SaveStateAsync("statestore", key, new Order("o1", 2), cancellationToken: Ct);

        var (value, etag) = await sut.Dapr.GetStateAndETagAsync<Order>("statestore", key, cancellationToken: Ct);

        Assert.Equal(new Order("o1", 2), value);
        Assert.NotEqual("", etag);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_missing_key_is_not_an_error_and_has_an_empty_etag(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var response = await sut.Grpc.GetStateAsync(new Proto.GetStateRequest { StoreName = "statestore", Key = Sut.Key("missing") }, sut.Call);

        Assert.True(response.Data.IsEmpty);
        Assert.Equal("", response.Etag);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Keys_are_stored_under_the_app_id_so_other_apps_do_not_see_them(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "needs a second app-id on the same backend" });
        var key = Sut.Key("cart");
        await sut.Dapr.SaveStateAsync("statestore", key, "mine", cancellationToken: Ct);
        var other = await sut.StartPeerAsync("other-app");
        using var otherClient = other.CreateDaprClient();

        Assert.Null(await otherClient.GetStateAsync<string>("statestore", key, cancellationToken: Ct));
        Assert.Contains($"{ConformanceResources.AppId}||{key}", sut.Cluster!.StateStores["statestore"].Backend.Keys);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task KeyPrefix_name_shares_keys_between_apps(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "needs a second app-id on the same backend" });
        var key = Sut.Key("shared");
        await sut.Dapr.SaveStateAsync("sharedstore", key, "visible", cancellationToken: Ct);
        var other = await sut.StartPeerAsync("other-app");
        using var otherClient = other.CreateDaprClient();

        Assert.Equal("visible", await otherClient.GetStateAsync<string>("sharedstore", key, cancellationToken: Ct));
        Assert.Contains($"sharedstore||{key}", sut.Cluster!.StateStores["sharedstore"].Backend.Keys);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task KeyPrefix_none_stores_the_key_verbatim_and_bulk_get_returns_original_keys(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("raw");
        await sut.Dapr.SaveStateAsync("rawstore", key, 1, cancellationToken: Ct);

        var items = await sut.Dapr.GetBulkStateAsync("rawstore", [key], parallelism: 0, cancellationToken: Ct);

        Assert.Equal(key, Assert.Single(items).Key);
        if (sut.Cluster is not null)
        {
            Assert.Contains(key, sut.Cluster.StateStores["rawstore"].Backend.Keys);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_key_containing_double_pipe_is_InvalidArgument_with_the_illegal_key_reason(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Grpc.SaveStateAsync(new Proto.SaveStateRequest
        {
            StoreName = "statestore",
            States = { new Proto.StateItem { Key = "a||b", Value = ByteString.CopyFromUtf8("1") } },
        }, sut.Call).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("input key/keyPrefix 'a||b' can't contain '||'", ex.Status.Detail);
        Assert.Equal("DAPR_STATE_ILLEGAL_KEY", ErrorInfo(ex)?.Reason);
        Assert.Equal("dapr.io", ErrorInfo(ex)?.Domain);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_unknown_store_is_InvalidArgument_not_found(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Dapr.GetStateAsync<string>("nope", "k", cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("state store nope is not found", ex.Status.Detail);
        Assert.Equal("DAPR_STATE_NOT_FOUND", ErrorInfo(ex)?.Reason);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task With_no_state_store_loaded_state_calls_are_FailedPrecondition(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { Resources = [ConformanceResources.Component("envsecrets", "secretstores.local.env")] });

        var ex = await ThrowsRpc(() => sut.Dapr.SaveStateAsync("statestore", "k", 1, cancellationToken: Ct));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("state store statestore is not configured", ex.Status.Detail);
        Assert.Equal("DAPR_STATE_NOT_CONFIGURED", ErrorInfo(ex)?.Reason);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_stale_etag_makes_TrySaveState_return_false_and_keeps_the_value(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("stale");
        await sut.Dapr.SaveStateAsync("statestore", key, "v1", cancellationToken: Ct);
        var (_, first) = await sut.Dapr.GetStateAndETagAsync<string>("statestore", key, cancellationToken: Ct);
        Assert.True(await sut.Dapr.TrySaveStateAsync("statestore", key, "v2", first, cancellationToken: Ct));

        Assert.False(await sut.Dapr.TrySaveStateAsync("statestore", key, "v3", first, cancellationToken: Ct));
        Assert.Equal("v2", await sut.Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_etag_mismatch_is_Aborted_with_daprd_wording(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("mismatch");
        await sut.Dapr.SaveStateAsync("statestore", key, "v1", cancellationToken: Ct);

        var ex = await ThrowsRpc(() => sut.Grpc.SaveStateAsync(new Proto.SaveStateRequest
        {
            StoreName = "statestore",
            States = { new Proto.StateItem { Key = key, Value = ByteString.CopyFromUtf8("\"v2\""), Etag = new Proto.Etag { Value = "not-the-etag" } } },
        }, sut.Call).ResponseAsync);

        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.StartsWith("failed saving state in state store statestore: possible etag mismatch. error from state store", ex.Status.Detail);
        Assert.Equal("ERR_STATE_SAVE", ErrorInfo(ex)?.Reason);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task InMemory_store_rejects_an_etag_for_a_missing_key(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        Assert.False(await sut.Dapr.TrySaveStateAsync("statestore", Sut.Key("absent"), "v", "some-etag", cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Redis_store_accepts_an_etag_for_a_missing_key(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("redis-absent");

        Assert.True(await sut.Dapr.TrySaveStateAsync("redisstore", key, "v", "7", cancellationToken: Ct));
        Assert.Equal("v", await sut.Dapr.GetStateAsync<string>("redisstore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Redis_etags_are_integer_versions_incremented_per_write(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("redis-version");
        await sut.Dapr.SaveStateAsync("redisstore", key, "a", cancellationToken: Ct);
        var (_, first) = await sut.Dapr.GetStateAndETagAsync<string>("redisstore", key, cancellationToken: Ct);
        await sut.Dapr.SaveStateAsync("redisstore", key, "b", cancellationToken: Ct);
        var (_, second) = await sut.Dapr.GetStateAndETagAsync<string>("redisstore", key, cancellationToken: Ct);

        Assert.Equal(long.Parse(first) + 1, long.Parse(second));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Redis_non_integer_etag_is_InvalidArgument(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("redis-invalid");
        await sut.Dapr.SaveStateAsync("redisstore", key, "a", cancellationToken: Ct);

        var ex = await ThrowsRpc(() => sut.Dapr.TrySaveStateAsync("redisstore", key, "b", "abc", cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("invalid etag value", ex.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Redis_last_write_ignores_a_stale_etag(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("redis-lastwrite");
        await sut.Dapr.SaveStateAsync("redisstore", key, "a", cancellationToken: Ct);
        await sut.Dapr.SaveStateAsync("redisstore", key, "b", cancellationToken: Ct);

        var saved = await sut.Dapr.TrySaveStateAsync("redisstore", key, "c", "1",
            new StateOptions { Concurrency = ConcurrencyMode.LastWrite }, cancellationToken: Ct);

        Assert.True(saved);
        Assert.Equal("c", await sut.Dapr.GetStateAsync<string>("redisstore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task InMemory_last_write_still_checks_the_etag(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("mem-lastwrite");
        await sut.Dapr.SaveStateAsync("statestore", key, "a", cancellationToken: Ct);

        var saved = await sut.Dapr.TrySaveStateAsync("statestore", key, "c", "stale",
            new StateOptions { Concurrency = ConcurrencyMode.LastWrite }, cancellationToken: Ct);

        Assert.False(saved);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task First_write_without_etag_on_an_existing_key_is_Aborted(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("first-write");
        await sut.Dapr.SaveStateAsync("statestore", key, "a", cancellationToken: Ct);

        var ex = await ThrowsRpc(() => sut.Dapr.SaveStateAsync("statestore", key, "b",
            new StateOptions { Concurrency = ConcurrencyMode.FirstWrite }, cancellationToken: Ct));

        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
    }

    // contrib v1.18.4: MySQL's create-only INSERT affects no row and reports an ETag mismatch; PostgreSQL's reports
    // "no item was updated" (a plain error). A caller treating only Aborted as "someone else created it" gets a 500 on PostgreSQL.
    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task First_write_without_etag_on_an_existing_key_is_Aborted_on_MySQL_and_Internal_on_PostgreSQL(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };
        var codes = new List<StatusCode>();
        foreach (var store in new[] { "mysqlstore", "pgstore" })
        {
            var key = Sut.Key("first-write");
            await sut.Dapr.SaveStateAsync(store, key, "a", cancellationToken: Ct);
            codes.Add((await ThrowsRpc(() => sut.Dapr.SaveStateAsync(store, key, "b", firstWrite, cancellationToken: Ct))).StatusCode);
        }

        Assert.Equal([StatusCode.Aborted, StatusCode.Internal], codes);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task PostgreSql_v1_etags_are_numeric_and_non_numeric_etags_are_invalid(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("pg");
        await sut.Dapr.SaveStateAsync("pgstore", key, "a", cancellationToken: Ct);
        var (_, etag) = await sut.Dapr.GetStateAndETagAsync<string>("pgstore", key, cancellationToken: Ct);

        Assert.True(uint.TryParse(etag, out _));
        var ex = await ThrowsRpc(() => sut.Dapr.TrySaveStateAsync("pgstore", key, "b", "not-a-number", cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task MySql_rejects_an_etag_for_a_missing_key_as_a_mismatch(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        Assert.False(await sut.Dapr.TrySaveStateAsync("mysqlstore", Sut.Key("absent"), "v", "whatever", cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Cassandra_has_no_etags_and_ignores_the_ones_sent(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("cassandra");
        await sut.Dapr.SaveStateAsync("cassandrastore", key, "a", cancellationToken: Ct);

        var (_, etag) = await sut.Dapr.GetStateAndETagAsync<string>("cassandrastore", key, cancellationToken: Ct);
        var saved = await sut.Dapr.TrySaveStateAsync("cassandrastore", key, "b", "anything", cancellationToken: Ct);

        Assert.Equal("", etag);
        Assert.True(saved);
        Assert.Equal("b", await sut.Dapr.GetStateAsync<string>("cassandrastore", key, cancellationToken: Ct));
    }

    // state/cassandra: Features() = [TTL]; Set writes an INSERT whatever the request's ETag or concurrency says, and
    // daprd checks neither for a store without the ETAG feature. A compare-and-swap on Cassandra always "wins".
    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Cassandra_lets_first_write_overwrite_and_a_stale_etag_win_so_compare_and_swap_never_fails(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("cas");
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };
        await sut.Dapr.SaveStateAsync("cassandrastore", key, "first", firstWrite, cancellationToken: Ct);

        await sut.Dapr.SaveStateAsync("cassandrastore", key, "second", firstWrite, cancellationToken: Ct);      // create-only, yet overwrites
        var staleWins = await sut.Dapr.TrySaveStateAsync("cassandrastore", key, "third", "1", firstWrite, cancellationToken: Ct);
        var emptyWins = await sut.Dapr.TrySaveStateAsync("cassandrastore", key, "fourth", "", firstWrite, cancellationToken: Ct);

        Assert.True(staleWins && emptyWins);
        Assert.Equal("fourth", await sut.Dapr.GetStateAsync<string>("cassandrastore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Cassandra_transactions_are_Unimplemented(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Dapr.ExecuteStateTransactionAsync("cassandrastore",
            [new StateTransactionRequest("k", Encoding.UTF8.GetBytes("1"), StateOperationType.Upsert)], cancellationToken: Ct));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Equal("state store cassandrastore doesn't support transactions", ex.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Deleting_with_a_stale_etag_fails_and_keeps_the_value(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("delete-stale");
        await sut.Dapr.SaveStateAsync("statestore", key, "keep", cancellationToken: Ct);

        Assert.False(await sut.Dapr.TryDeleteStateAsync("statestore", key, "stale", cancellationToken: Ct));
        var ex = await ThrowsRpc(() => sut.Grpc.DeleteStateAsync(new Proto.DeleteStateRequest
        {
            StoreName = "statestore", Key = key, Etag = new Proto.Etag { Value = "stale" },
        }, sut.Call).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.StartsWith($"failed deleting state with key {key}: possible etag mismatch", ex.Status.Detail);
        Assert.Equal("keep", await sut.Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Deleting_a_missing_key_without_etag_succeeds(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        await sut.Dapr.DeleteStateAsync("statestore", Sut.Key("never-saved"), cancellationToken: Ct);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Deleting_with_the_current_etag_removes_the_key(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("delete-ok");
        await sut.Dapr.SaveStateAsync("statestore", key, "x", cancellationToken: Ct);
        var (_, etag) = await sut.Dapr.GetStateAndETagAsync<string>("statestore", key, cancellationToken: Ct);

        Assert.True(await sut.Dapr.TryDeleteStateAsync("statestore", key, etag, cancellationToken: Ct));
        Assert.Null(await sut.Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_transaction_applies_upserts_and_deletes_together(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        string a = Sut.Key("tx-a"), b = Sut.Key("tx-b");
        await sut.Dapr.SaveStateAsync("statestore", b, "old", cancellationToken: Ct);

        await sut.Dapr.ExecuteStateTransactionAsync("statestore",
        [
            new StateTransactionRequest(a, Encoding.UTF8.GetBytes("\"new\""), StateOperationType.Upsert),
            new StateTransactionRequest(b, null, StateOperationType.Delete),
        ], cancellationToken: Ct);

        Assert.Equal("new", await sut.Dapr.GetStateAsync<string>("statestore", a, cancellationToken: Ct));
        Assert.Null(await sut.Dapr.GetStateAsync<string>("statestore", b, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_etag_mismatch_inside_a_transaction_is_Internal_and_applies_nothing(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        string a = Sut.Key("tx-a"), b = Sut.Key("tx-b");
        await sut.Dapr.SaveStateAsync("statestore", b, "old", cancellationToken: Ct);

        var ex = await ThrowsRpc(() => sut.Dapr.ExecuteStateTransactionAsync("statestore",
        [
            new StateTransactionRequest(a, Encoding.UTF8.GetBytes("\"new\""), StateOperationType.Upsert),
            new StateTransactionRequest(b, Encoding.UTF8.GetBytes("\"changed\""), StateOperationType.Upsert, etag: "stale"),
        ], cancellationToken: Ct));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.StartsWith("error while executing state transaction: ", ex.Status.Detail);
        Assert.Equal("ERR_STATE_TRANSACTION", ErrorInfo(ex)?.Reason);
        Assert.Null(await sut.Dapr.GetStateAsync<string>("statestore", a, cancellationToken: Ct));
        Assert.Equal("old", await sut.Dapr.GetStateAsync<string>("statestore", b, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_unknown_transaction_operation_type_is_Unimplemented(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Grpc.ExecuteStateTransactionAsync(new Proto.ExecuteStateTransactionRequest
        {
            StoreName = "statestore",
            Operations = { new Proto.TransactionalStateOperation { OperationType = "merge", Request = new Proto.StateItem { Key = "k" } } },
        }, sut.Call).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Equal("operation type merge not supported", ex.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Bulk_get_keeps_request_order_and_returns_missing_keys_empty(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        string a = Sut.Key("bulk-a"), missing = Sut.Key("bulk-missing"), c = Sut.Key("bulk-c");
        await sut.Dapr.SaveStateAsync("statestore", a, 1, cancellationToken: Ct);
        await sut.Dapr.SaveStateAsync("statestore", c, 3, cancellationToken: Ct);

        var items = await sut.Dapr.GetBulkStateAsync("statestore", [c, missing, a], parallelism: 0, cancellationToken: Ct);

        Assert.Equal([c, missing, a], items.Select(i => i.Key));
        Assert.Equal(["3", "", "1"], items.Select(i => i.Value));
        Assert.Equal("", items[1].ETag);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_multi_item_save_is_not_atomic_and_reports_the_etag_failure(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        string good = Sut.Key("bulk-good"), bad = Sut.Key("bulk-bad");

        var ex = await ThrowsRpc(() => sut.Grpc.SaveStateAsync(new Proto.SaveStateRequest
        {
            StoreName = "statestore",
            States =
            {
                new Proto.StateItem { Key = good, Value = ByteString.CopyFromUtf8("\"ok\"") },
                new Proto.StateItem { Key = bad, Value = ByteString.CopyFromUtf8("\"no\""), Etag = new Proto.Etag { Value = "missing" } },
            },
        }, sut.Call).ResponseAsync);

        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("ok", await sut.Dapr.GetStateAsync<string>("statestore", good, cancellationToken: Ct));
        Assert.Null(await sut.Dapr.GetStateAsync<string>("statestore", bad, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Bulk_save_and_bulk_delete_round_trip(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        string a = Sut.Key("bs-a"), b = Sut.Key("bs-b");

        await sut.Dapr.SaveBulkStateAsync("statestore", [new SaveStateItem<int>(a, 1, null!), new SaveStateItem<int>(b, 2, null!)], cancellationToken: Ct);
        Assert.Equal(2, await sut.Dapr.GetStateAsync<int>("statestore", b, cancellationToken: Ct));
        await sut.Dapr.DeleteBulkStateAsync("statestore", [new BulkDeleteStateItem(a, null!), new BulkDeleteStateItem(b, null!)], cancellationToken: Ct);

        var items = await sut.Dapr.GetBulkStateAsync("statestore", [a, b], parallelism: 0, cancellationToken: Ct);
        Assert.All(items, i => Assert.Equal("", i.Value));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Ttl_expires_the_item_when_time_passes(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "needs a controllable clock (the embedded sidecar's TimeProvider)" });
        var key = Sut.Key("ttl");
        await sut.Dapr.SaveStateAsync("statestore", key, "short-lived", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "10" }, cancellationToken: Ct);

        sut.Clock!.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal("short-lived", await sut.Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct));
        sut.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await sut.Dapr.GetStateAsync<string>("statestore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Ttl_items_report_ttlExpireTime_metadata(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("ttl-meta");
        await sut.Dapr.SaveStateAsync("statestore", key, "x", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "60" }, cancellationToken: Ct);

        var response = await sut.Grpc.GetStateAsync(new Proto.GetStateRequest { StoreName = "statestore", Key = key }, sut.Call);

        Assert.True(DateTimeOffset.TryParse(response.Metadata["ttlExpireTime"], out var expires));
        if (sut.Clock is not null)
        {
            Assert.Equal(sut.Clock.GetUtcNow().AddSeconds(60), expires);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Exactly_one_of_64_concurrent_first_write_updates_with_the_same_etag_wins(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("race");
        await sut.Dapr.SaveStateAsync("statestore", key, -1, cancellationToken: Ct);
        var (_, etag) = await sut.Dapr.GetStateAndETagAsync<int>("statestore", key, cancellationToken: Ct);
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(() => sut.Dapr.TrySaveStateAsync("statestore", key, i, etag, firstWrite, cancellationToken: Ct), Ct)));

        var winner = Assert.Single(Enumerable.Range(0, 64), i => results[i]);
        Assert.Equal(winner, await sut.Dapr.GetStateAsync<int>("statestore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Sixty_four_concurrent_optimistic_increments_lose_no_update(string target)
    {
        await using var sut = await Sut.StartAsync(target);
        var key = Sut.Key("counter");
        await sut.Dapr.SaveStateAsync("redisstore", key, 0, cancellationToken: Ct);
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (value, etag) = await sut.Dapr.GetStateAndETagAsync<int>("redisstore", key, cancellationToken: Ct);
                if (await sut.Dapr.TrySaveStateAsync("redisstore", key, value + 1, etag, firstWrite, cancellationToken: Ct))
                {
                    return;
                }
            }
        }, Ct)));

        Assert.Equal(64, await sut.Dapr.GetStateAsync<int>("redisstore", key, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_payload_over_4_MiB_is_rejected_with_ResourceExhausted(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await ThrowsRpc(() => sut.Dapr.SaveByteStateAsync("statestore", Sut.Key("huge"), new byte[5 * 1024 * 1024], cancellationToken: Ct));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Rich_errors_use_lower_case_type_urls_so_the_sdk_sees_unknown_details(string target)
    {
        await using var sut = await Sut.StartAsync(target);

        var ex = await Assert.ThrowsAsync<Dapr.DaprException>(() => sut.Dapr.GetStateAsync<string>("nope", "k", cancellationToken: Ct));

        Assert.True(ex.TryGetExtendedErrorInfo(out var info));
        Assert.DoesNotContain(info!.Details, d => d is Dapr.Common.Exceptions.DaprErrorInfoDetail);
        Assert.NotNull(ErrorInfo(Rpc(ex)));
    }
}
