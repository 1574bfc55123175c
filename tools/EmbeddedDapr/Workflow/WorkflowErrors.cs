using Grpc.Core;

namespace Flipkart.EmbeddedDapr.Workflow;

internal enum WorkflowFailure
{
    InstanceNotFound,
    NotCompleted,
    AlreadyExists,
    ActorRuntimeNotFound,
    NoHost,
}

/// <summary>
/// A failure inside the engine with durabletask-go's / daprd's own text; each API wraps it the way daprd does
/// (<see cref="WorkflowErrors"/>). <see cref="Code"/> is the gRPC code the error carries when it is a status error.
/// </summary>
internal sealed class WorkflowOperationException(WorkflowFailure kind, string message, StatusCode code = StatusCode.Unknown) : Exception(message)
{
    public WorkflowFailure Kind { get; } = kind;
    public StatusCode Code { get; } = code;
}

internal static class WorkflowErrors
{
    // durabletask-go api/errors.go @ v0.12.4
    public const string InstanceNotFoundText = "no such instance exists";
    public const string NotCompletedText = "orchestration has not yet completed";

    // daprd pkg/messages/predefined.go @ 1.18 (ErrActorRuntimeNotFound)
    public const string ActorRuntimeNotFoundText =
        "the state store is not configured to use the actor runtime. Have you set the - name: actorStateStore value: \"true\" in your state store component file?";

    public static WorkflowOperationException InstanceNotFound() => new(WorkflowFailure.InstanceNotFound, InstanceNotFoundText);

    /// <summary>The recursive purge's first read (<c>GetWorkflowRuntimeState</c>) of a missing instance.</summary>
    public static WorkflowOperationException FetchStateNotFound() =>
        new(WorkflowFailure.InstanceNotFound, "failed to fetch workflow state: " + InstanceNotFoundText);

    public static WorkflowOperationException NotCompleted() => new(WorkflowFailure.NotCompleted, NotCompletedText);

    /// <summary>orchestrator/create.go: the actor answers a status error, which the router passes on.</summary>
    public static WorkflowOperationException AlreadyExists(string instanceId) => new(
        WorkflowFailure.AlreadyExists,
        $"rpc error: code = AlreadyExists desc = an active workflow with ID '{instanceId}' already exists",
        StatusCode.AlreadyExists);

    public static WorkflowOperationException ActorRuntimeNotFound() =>
        new(WorkflowFailure.ActorRuntimeNotFound, ActorRuntimeNotFoundText, StatusCode.Internal);

    public static WorkflowOperationException NoHost(string actorType, string actorId) =>
        new(WorkflowFailure.NoHost, $"failed to lookup actor: did not find address for actor '{actorType}||{actorId}'");

    /// <summary>
    /// What a TaskHubSidecarService handler returns for an engine failure: grpc-go turns a plain error into
    /// <c>Unknown</c> with its text and keeps the code of a wrapped status error (text: the whole chain).
    /// </summary>
    public static RpcException ToRpc(WorkflowOperationException ex, string? wrap = null) =>
        new(new Status(ex.Code, wrap is null ? ex.Message : wrap + ex.Message));
}
