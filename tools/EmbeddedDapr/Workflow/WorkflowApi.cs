using System.Globalization;
using System.Text;
using Dapr.DurableTask.Protobuf;
using Flipkart.EmbeddedDapr.Errors;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// daprd's "universal" workflow API (<c>pkg/api/universal/workflow.go</c> over <c>pkg/runtime/wfengine/client.go</c>
/// @ release-1.18), shared by the HTTP endpoints and the <c>…WorkflowBeta1/Alpha1</c> RPCs of the Dapr service:
/// instance-id validation, commands that only enqueue (no waiting), and daprd's error codes with their wrapped
/// messages. Unlike the SDK's <c>TaskHubSidecarService</c>, start does not wait for the first step.
/// </summary>
internal sealed class WorkflowApi(WorkflowSidecar sidecar)
{
    private WorkflowEngine Engine => sidecar.Engine;

    private Timestamp Now() => Timestamp.FromDateTimeOffset(sidecar.Time.GetUtcNow());

    public async Task<Proto.StartWorkflowResponse> StartAsync(Proto.StartWorkflowRequest request, CancellationToken cancellationToken)
    {
        var instanceId = request.InstanceId.Length > 0 ? request.InstanceId : Guid.NewGuid().ToString();
        ValidateInstanceId(instanceId, isCreate: true);
        if (request.WorkflowName.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, 400, "ERR_WORKFLOW_NAME_MISSING", "workflow name is not configured");
        }

        var start = new ExecutionStartedEvent
        {
            Name = request.WorkflowName,
            Input = request.Input.ToStringUtf8(),
            WorkflowInstance = new WorkflowInstance { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString() },
        };
        string Failed(string reason) => $"error starting workflow '{request.WorkflowName}': {reason}";
        if (request.Options.TryGetValue("dapr.workflow.start_time", out var startTime))
        {
            if (!DateTimeOffset.TryParse(startTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw Error(StatusCode.Internal, 500, "ERR_START_WORKFLOW",
                    Failed("start times must be in RFC3339 format (e.g. \"2009-11-10T23:00:00Z\")"));
            }
            start.ScheduledStartTimestamp = Timestamp.FromDateTimeOffset(at);
        }

        try
        {
            await Engine.CreateAsync(new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionStarted = start }, cancellationToken);
        }
        catch (WorkflowOperationException ex)
        {
            throw Error(StatusCode.Internal, 500, "ERR_START_WORKFLOW", Failed($"unable to start workflow: failed to start workflow: {ex.Message}"));
        }
        return new Proto.StartWorkflowResponse { InstanceId = instanceId };
    }

    /// <summary>Null when the instance does not exist (the gRPC API then answers an empty response, HTTP a 404).</summary>
    public async Task<Proto.GetWorkflowResponse?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        ValidateInstanceId(instanceId, isCreate: false);
        WorkflowMetadata? metadata;
        try
        {
            metadata = await Engine.GetMetadataAsync(instanceId, cancellationToken);
        }
        catch (WorkflowOperationException ex)
        {
            throw Error(StatusCode.Internal, 500, "ERR_GET_WORKFLOW",
                $"error while getting workflow info on instance '{instanceId}': failed to get workflow metadata for '{instanceId}': failed to fetch workflow metadata: {ex.Message}");
        }
        if (metadata is null)
        {
            return null;
        }

        var response = new Proto.GetWorkflowResponse
        {
            InstanceId = instanceId,
            WorkflowName = metadata.Name,
            CreatedAt = metadata.CreatedAt,
            LastUpdatedAt = metadata.LastUpdatedAt,
            RuntimeStatus = StatusName(metadata.RuntimeStatus),
        };
        if (metadata.CustomStatus is { } custom)
        {
            response.Properties["dapr.workflow.custom_status"] = custom;
        }
        if (metadata.Input is { } input)
        {
            response.Properties["dapr.workflow.input"] = input;
        }
        if (metadata.Output is { } output)
        {
            response.Properties["dapr.workflow.output"] = output;
        }
        if (metadata.FailureDetails is { } failure)
        {
            response.Properties["dapr.workflow.failure.error_type"] = failure.ErrorType;
            response.Properties["dapr.workflow.failure.error_message"] = failure.ErrorMessage;
            if (failure.StackTrace is { } trace)
            {
                response.Properties["dapr.workflow.failure.stack_trace"] = trace;
            }
        }
        return response;
    }

    public Task RaiseEventAsync(string instanceId, string eventName, byte[]? data, CancellationToken cancellationToken)
    {
        ValidateInstanceId(instanceId, isCreate: false);
        if (eventName.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, 400, "ERR_WORKFLOW_EVENT_NAME_MISSING", "missing workflow event name");
        }
        var raised = new EventRaisedEvent { Name = eventName, Input = data is null ? null : Encoding.UTF8.GetString(data) };
        return CommandAsync(instanceId, new HistoryEvent { EventId = -1, Timestamp = Now(), EventRaised = raised }, cancellationToken, ex =>
            Error(StatusCode.Internal, 500, "ERR_RAISE_EVENT_WORKFLOW",
                $"error raising event on workflow '{instanceId}': failed to raise event {eventName} on workflow {instanceId}: failed to raise event: {ex.Message}"));
    }

    public Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        ValidateInstanceId(instanceId, isCreate: false);
        var terminated = new ExecutionTerminatedEvent { Recurse = true };
        const string wrap = "failed to submit termination request:: ";
        return CommandAsync(instanceId, new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionTerminated = terminated }, cancellationToken, ex =>
            ex.Kind == WorkflowFailure.InstanceNotFound
                ? NotFound(instanceId, wrap + ex.Message)
                : Error(StatusCode.Internal, 500, "ERR_TERMINATE_WORKFLOW",
                    $"error terminating workflow '{instanceId}': failed to terminate workflow {instanceId}: {wrap}{ex.Message}"));
    }

    public Task PauseAsync(string instanceId, CancellationToken cancellationToken)
    {
        ValidateInstanceId(instanceId, isCreate: false);
        return CommandAsync(instanceId, new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionSuspended = new ExecutionSuspendedEvent() }, cancellationToken, ex =>
            Error(StatusCode.Internal, 500, "ERR_PAUSE_WORKFLOW",
                $"error pausing workflow {instanceId}: failed to pause workflow {instanceId}: failed to suspend workflow: {ex.Message}"));
    }

    public Task ResumeAsync(string instanceId, CancellationToken cancellationToken)
    {
        ValidateInstanceId(instanceId, isCreate: false);
        return CommandAsync(instanceId, new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionResumed = new ExecutionResumedEvent() }, cancellationToken, ex =>
            Error(StatusCode.Internal, 500, "ERR_RESUME_WORKFLOW",
                $"error resuming workflow {instanceId}: failed to resume workflow {instanceId}: failed to resume workflow: {ex.Message}"));
    }

    public async Task PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        ValidateInstanceId(instanceId, isCreate: false);
        try
        {
            await Engine.PurgeAsync(instanceId, recursive: true, cancellationToken);
        }
        catch (WorkflowOperationException ex)
        {
            throw ex.Kind == WorkflowFailure.InstanceNotFound
                ? NotFound(instanceId, $"failed to purge workflow state: {ex.Message}")
                : Error(StatusCode.Internal, 500, "ERR_PURGE_WORKFLOW",
                    $"error purging workflow {instanceId}: failed to Purge workflow {instanceId}: failed to purge workflow state: {ex.Message}");
        }
    }

    private async Task CommandAsync(string instanceId, HistoryEvent e, CancellationToken cancellationToken, Func<WorkflowOperationException, DaprApiException> onError)
    {
        try
        {
            await Engine.AddEventAsync(instanceId, e, cancellationToken);
        }
        catch (WorkflowOperationException ex)
        {
            throw onError(ex);
        }
    }

    public static DaprApiException InstanceNotFound(string instanceId) =>
        Error(StatusCode.NotFound, 404, "ERR_INSTANCE_ID_NOT_FOUND", $"unable to find workflow with the provided instance ID: {instanceId}");

    /// <summary>
    /// daprd formats <c>ErrWorkflowInstanceNotFound</c> (one <c>%s</c>) with the instance id and the error, so Go's
    /// fmt appends the extra argument as <c>%!(EXTRA type=value)</c>, and that is the message daprd sends.
    /// </summary>
    private static DaprApiException NotFound(string instanceId, string error) =>
        Error(StatusCode.NotFound, 404, "ERR_INSTANCE_ID_NOT_FOUND",
            $"unable to find workflow with the provided instance ID: {instanceId}%!(EXTRA *fmt.wrapError={error})");

    /// <summary>universal.validateInstanceID: required; on create at most 64 letters, digits, '_' or '-'.</summary>
    private static void ValidateInstanceId(string instanceId, bool isCreate)
    {
        if (instanceId.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, 400, "ERR_INSTANCE_ID_PROVIDED_MISSING", "no instance ID was provided");
        }
        if (!isCreate)
        {
            return;
        }
        if (instanceId.Length > 64)
        {
            throw Error(StatusCode.InvalidArgument, 400, "ERR_INSTANCE_ID_TOO_LONG", "workflow instance ID exceeds the max length of 64 characters");
        }
        if (!instanceId.EnumerateRunes().All(r => Rune.IsLetter(r) || Rune.IsDigit(r) || r.Value is '_' or '-'))
        {
            throw Error(StatusCode.InvalidArgument, 400, "ERR_INSTANCE_ID_INVALID",
                $"workflow instance ID '{instanceId}' is invalid: only alphanumeric and underscore characters are allowed");
        }
    }

    /// <summary>wfengine/client.go's statusMap.</summary>
    private static string StatusName(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Running => "RUNNING",
        OrchestrationStatus.Completed => "COMPLETED",
        OrchestrationStatus.ContinuedAsNew => "CONTINUED_AS_NEW",
        OrchestrationStatus.Failed => "FAILED",
        OrchestrationStatus.Canceled => "CANCELED",
        OrchestrationStatus.Terminated => "TERMINATED",
        OrchestrationStatus.Pending => "PENDING",
        OrchestrationStatus.Suspended => "SUSPENDED",
        _ => "UNKNOWN",
    };

    /// <summary>daprd's <c>APIError</c>s of the workflow API are legacy errors: a status code and text, no details.</summary>
    private static DaprApiException Error(StatusCode grpc, int http, string code, string message) => new(grpc, http, code, message);
}
