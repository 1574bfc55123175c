using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.State;

/// <summary>An item of a save/delete request as the app sent it (un-prefixed key).</summary>
public sealed record StateRequestItem(
    string Key,
    byte[]? Value,
    string? ETag,
    string Concurrency,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>A bulk-get answer item: either data/etag or an error text.</summary>
public sealed record BulkStateResult(string Key, StateReadResult? Result, string Error);

/// <summary>
/// daprd's state API logic shared by the gRPC and HTTP surfaces: store lookup, key rules, resiliency and fault
/// hooks around each store call, and error translation with daprd's codes and wording.
/// </summary>
public sealed class StateApi(
    SidecarContext sidecar,
    IResiliencyPolicies resiliency,
    IEnumerable<IOutboundCallInterceptor> interceptors,
    IEnumerable<IStateTransactionHook> transactionHooks)
{
    private readonly IOutboundCallInterceptor[] interceptors = interceptors.ToArray();
    private readonly IStateTransactionHook[] transactionHooks = transactionHooks.ToArray();

    public async Task<StateReadResult> GetAsync(string storeName, string key, CancellationToken cancellationToken)
    {
        var store = sidecar.GetStateStore(storeName);
        var storeKey = store.ToStoreKey(key, sidecar.AppId);
        try
        {
            return await CallAsync(store, "get", () => store.Get(storeKey), cancellationToken);
        }
        catch (StateStoreException ex)
        {
            throw DaprErrors.Basic(StatusCode.Internal, 500, "ERR_STATE_GET", $"fail to get {key} from state store {storeName}: {ex.Message}");
        }
    }

    public async Task<IReadOnlyList<BulkStateResult>> GetBulkAsync(string storeName, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var store = sidecar.GetStateStore(storeName);
        var storeKeys = keys.Select(k => store.ToStoreKey(k, sidecar.AppId)).ToArray();
        var results = new List<BulkStateResult>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var storeKey = storeKeys[i];
            try
            {
                results.Add(new BulkStateResult(StateStore.FromStoreKey(storeKey), await CallAsync(store, "bulkget", () => store.Get(storeKey), cancellationToken), ""));
            }
            catch (StateStoreException ex)
            {
                // Per-key failures travel in the item, not as an RPC error.
                results.Add(new BulkStateResult(StateStore.FromStoreKey(storeKey), null, ex.Message));
            }
        }
        return results;
    }

    public async Task SaveAsync(string storeName, IReadOnlyList<StateRequestItem> items, CancellationToken cancellationToken)
    {
        var store = sidecar.GetStateStore(storeName);
        var operations = new List<StateUpsert>(items.Count);
        foreach (var item in items)
        {
            if (item.Key.Length == 0)
            {
                throw DaprErrors.Basic(StatusCode.InvalidArgument, 400, "ERR_STATE_SAVE", "state key cannot be empty");
            }
            operations.Add(new StateUpsert(store.ToStoreKey(item.Key, sidecar.AppId), item.Value ?? [], item.ETag, item.Concurrency, item.Metadata));
        }
        var failures = new List<StateStoreException>();
        foreach (var op in operations)
        {
            try
            {
                await CallAsync(store, "set", () => { store.Set(op); return true; }, cancellationToken);
            }
            catch (StateStoreException ex) when (operations.Count > 1)
            {
                // Bulk saves are not atomic: the other items are still written.
                failures.Add(ex);
            }
            catch (StateStoreException ex)
            {
                throw StoreError(ex, "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: {ex.Message}");
            }
        }
        if (failures.Count > 0)
        {
            throw BulkError(failures, "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: ");
        }
    }

    public async Task DeleteAsync(string storeName, StateRequestItem item, CancellationToken cancellationToken)
    {
        var store = sidecar.GetStateStore(storeName);
        var op = new StateDelete(store.ToStoreKey(item.Key, sidecar.AppId), item.ETag, item.Concurrency, item.Metadata);
        try
        {
            await CallAsync(store, "delete", () => { store.Delete(op); return true; }, cancellationToken);
        }
        catch (StateStoreException ex)
        {
            throw StoreError(ex, "ERR_STATE_DELETE", $"failed deleting state with key {item.Key}: {ex.Message}");
        }
    }

    public async Task DeleteBulkAsync(string storeName, IReadOnlyList<StateRequestItem> items, CancellationToken cancellationToken)
    {
        var store = sidecar.GetStateStore(storeName);
        var operations = items.Select(i => new StateDelete(store.ToStoreKey(i.Key, sidecar.AppId), i.ETag, i.Concurrency, i.Metadata)).ToArray();
        var failures = new List<StateStoreException>();
        foreach (var op in operations)
        {
            try
            {
                await CallAsync(store, "delete", () => { store.Delete(op); return true; }, cancellationToken);
            }
            catch (StateStoreException ex)
            {
                failures.Add(ex);
            }
        }
        if (failures.Count > 0)
        {
            throw BulkError(failures, "ERR_STATE_BULK_DELETE", $"failed deleting state in state store {storeName}: ");
        }
    }

    /// <summary><paramref name="operations"/>: (operation type string as sent, item).</summary>
    public async Task TransactAsync(string storeName, IReadOnlyList<(string Type, StateRequestItem Item)> operations,
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = sidecar.GetStateStore(storeName);
        if (!store.Behavior.Transactional)
        {
            throw DaprErrors.TransactionsNotSupported(storeName);
        }
        var transaction = new StateTransactionContext(sidecar, store, metadata);
        foreach (var (type, item) in operations)
        {
            var storeKey = store.ToStoreKey(item.Key, sidecar.AppId);
            transaction.Operations.Add(type switch
            {
                "upsert" => new StateUpsert(storeKey, item.Value ?? [], item.ETag, item.Concurrency, item.Metadata),
                "delete" => new StateDelete(storeKey, item.ETag, item.Concurrency, item.Metadata),
                _ => throw DaprErrors.Basic(StatusCode.Unimplemented, 500, "ERR_NOT_SUPPORTED_STATE_OPERATION", $"operation type {type} not supported"),
            });
        }
        try
        {
            foreach (var hook in transactionHooks)
            {
                await hook.BeforeCommitAsync(transaction, cancellationToken);
            }
            // daprd runs Multi inside the store's outbound resiliency policy and marks nothing permanent there: unlike a
            // single save, a transaction that failed on an ETag is retried like any other store error (pkg/api/grpc).
            await CallAsync(store, "transaction", () =>
            {
                try
                {
                    store.Multi(transaction.Operations);
                }
                catch (StateStoreException ex) when (ex.Kind != StateErrorKind.Other)
                {
                    throw new StateStoreException(StateErrorKind.Other, ex.Message);
                }
                return true;
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is StateStoreException or InvalidOperationException)
        {
            // Any store error, ETag ones included, is Internal inside a transaction.
            throw DaprErrors.Basic(StatusCode.Internal, 500, "ERR_STATE_TRANSACTION", $"error while executing state transaction: {ex.Message}");
        }
        foreach (var hook in transactionHooks)
        {
            await hook.AfterCommitAsync(transaction, cancellationToken);
        }
    }

    private async Task<T> CallAsync<T>(StateStore store, string operation, Func<T> call, CancellationToken cancellationToken) =>
        await resiliency.ExecuteComponentCallAsync(store.Name, operation, async ct =>
        {
            foreach (var interceptor in interceptors)
            {
                try
                {
                    await interceptor.BeforeComponentCallAsync(store.Name, operation, ct);
                }
                catch (Exception ex) when (ex is not (StateStoreException or OperationCanceledException or DaprApiException))
                {
                    throw new StateStoreException(StateErrorKind.Other, ex.Message);
                }
            }
            return call();
        }, cancellationToken);

    private static DaprApiException StoreError(StateStoreException ex, string tag, string message) => ex.Kind switch
    {
        StateErrorKind.EtagMismatch => DaprErrors.Basic(StatusCode.Aborted, 409, tag, message, permanent: true),
        StateErrorKind.EtagInvalid => DaprErrors.Basic(StatusCode.InvalidArgument, 400, tag, message, permanent: true),
        _ => DaprErrors.Basic(StatusCode.Internal, 500, tag, message),
    };

    private static DaprApiException BulkError(List<StateStoreException> failures, string tag, string prefix)
    {
        var message = prefix + string.Join("\n", failures.Select(f => f.Message));
        if (failures.All(f => f.Kind != StateErrorKind.Other))
        {
            return failures.Any(f => f.Kind == StateErrorKind.EtagInvalid)
                ? DaprErrors.Basic(StatusCode.InvalidArgument, 400, tag, message, permanent: true)
                : DaprErrors.Basic(StatusCode.Aborted, 409, tag, message, permanent: true);
        }
        return DaprErrors.Basic(StatusCode.Internal, 500, tag, message);
    }
}
