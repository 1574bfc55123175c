using System.Text;
using Dapr.DurableTask.Protobuf;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.HttpApi;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// daprd's workflow HTTP API (<c>pkg/api/http/workflow.go</c> over <c>pkg/api/universal/workflow.go</c> @ 1.18) on
/// <c>v1.0</c>, <c>v1.0-beta1</c> and <c>v1.0-alpha1</c>: 202 for every command, the <c>GetWorkflowResponse</c>
/// JSON for a read, and daprd's error codes and wrapped messages for failures. The component segment is not checked
/// (daprd 1.18 does not check it either).
/// </summary>
internal static class WorkflowHttpApi
{
    private static readonly string[] Versions = ["v1.0", "v1.0-beta1", "v1.0-alpha1"];

    public static void MapWorkflowHttpApi(this IEndpointRouteBuilder endpoints)
    {
        foreach (var version in Versions)
        {
            var prefix = $"/{version}/workflows/{{component}}";
            endpoints.MapPost(prefix + "/{workflowName}/start", StartAsync);
            endpoints.MapGet(prefix + "/{instanceId}", GetAsync);
            endpoints.MapPost(prefix + "/{instanceId}/raiseEvent/{eventName}", RaiseEventAsync);
            endpoints.MapPost(prefix + "/{instanceId}/terminate", TerminateAsync);
            endpoints.MapPost(prefix + "/{instanceId}/pause", PauseAsync);
            endpoints.MapPost(prefix + "/{instanceId}/resume", ResumeAsync);
            endpoints.MapPost(prefix + "/{instanceId}/purge", PurgeAsync);
        }
    }

    private static async Task<IResult> StartAsync(HttpContext context, string workflowName, WorkflowSidecar sidecar)
    {
        var instanceId = context.Request.Query["instanceID"].ToString();
        if (instanceId.Length == 0)
        {
            instanceId = Guid.NewGuid().ToString();
        }
        if (ValidateInstanceId(instanceId, isCreate: true) is { } invalid)
        {
            return invalid;
        }
        var input = await ReadBodyAsync(context);
        var start = new HistoryEvent
        {
            EventId = -1,
            Timestamp = Timestamp.FromDateTimeOffset(sidecar.Time.GetUtcNow()),
            ExecutionStarted = new ExecutionStartedEvent
            {
                Name = workflowName,
                Input = input,
                WorkflowInstance = new WorkflowInstance { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString() },
            },
        };
        try
        {
            // The HTTP start does not wait for the first step (durabletask's TaskHubClient only creates).
            await sidecar.Engine.CreateAsync(start, context.RequestAborted);
        }
        catch (WorkflowOperationException ex)
        {
            return Error(500, "ERR_START_WORKFLOW",
                $"error starting workflow '{workflowName}': unable to start workflow: failed to start workflow: {ex.Message}");
        }
        return Json(StatusCodes.Status202Accepted, new Proto.StartWorkflowResponse { InstanceId = instanceId });
    }

    private static async Task<IResult> GetAsync(string instanceId, HttpContext context, WorkflowSidecar sidecar)
    {
        WorkflowMetadata? metadata;
        try
        {
            metadata = await sidecar.Engine.GetMetadataAsync(instanceId, context.RequestAborted);
        }
        catch (WorkflowOperationException ex)
        {
            return Error(500, "ERR_GET_WORKFLOW",
                $"error while getting workflow info on instance '{instanceId}': failed to get workflow metadata for '{instanceId}': failed to fetch workflow metadata: {ex.Message}");
        }
        if (metadata is null)
        {
            return Error(404, "ERR_INSTANCE_ID_NOT_FOUND", $"unable to find workflow with the provided instance ID: {instanceId}");
        }

        var response = new Proto.GetWorkflowResponse
        {
            InstanceId = instanceId,
            WorkflowName = metadata.Name,
            CreatedAt = metadata.CreatedAt,
            LastUpdatedAt = metadata.LastUpdatedAt,
            RuntimeStatus = StatusName(metadata.RuntimeStatus),
        };
        // wfengine/client.go: which properties appear, and under which names.
        if (metadata.CustomStatus is { } custom)
        {
            response.Properties["dapr.workflow.custom_status"] = custom;
        }
        if (metadata.Input is { } workflowInput)
        {
            response.Properties["dapr.workflow.input"] = workflowInput;
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
        return Json(StatusCodes.Status200OK, response);
    }

    private static async Task<IResult> RaiseEventAsync(string instanceId, string eventName, HttpContext context, WorkflowSidecar sidecar)
    {
        if (ValidateInstanceId(instanceId, isCreate: false) is { } invalid)
        {
            return invalid;
        }
        var data = await ReadBodyAsync(context);
        var e = new HistoryEvent
        {
            EventId = -1,
            Timestamp = Timestamp.FromDateTimeOffset(sidecar.Time.GetUtcNow()),
            EventRaised = new EventRaisedEvent { Name = eventName, Input = data },
        };
        return await CommandAsync(() => sidecar.Engine.AddEventAsync(instanceId, e, context.RequestAborted), ex =>
            Error(500, "ERR_RAISE_EVENT_WORKFLOW",
                $"error raising event on workflow '{instanceId}': failed to raise event {eventName} on workflow {instanceId}: failed to raise event: {ex.Message}"));
    }

    private static Task<IResult> TerminateAsync(string instanceId, HttpContext context, WorkflowSidecar sidecar)
    {
        var e = new HistoryEvent
        {
            EventId = -1,
            Timestamp = Timestamp.FromDateTimeOffset(sidecar.Time.GetUtcNow()),
            ExecutionTerminated = new ExecutionTerminatedEvent { Recurse = true },
        };
        return CommandAsync(() => sidecar.Engine.AddEventAsync(instanceId, e, context.RequestAborted), ex =>
            ex.Kind == WorkflowFailure.InstanceNotFound
                ? NotFound(instanceId, $"failed to submit termination request:: {ex.Message}")
                : Error(500, "ERR_TERMINATE_WORKFLOW",
                    $"error terminating workflow '{instanceId}': failed to terminate workflow {instanceId}: failed to submit termination request:: {ex.Message}"));
    }

    private static Task<IResult> PauseAsync(string instanceId, HttpContext context, WorkflowSidecar sidecar)
    {
        var e = new HistoryEvent
        {
            EventId = -1,
            Timestamp = Timestamp.FromDateTimeOffset(sidecar.Time.GetUtcNow()),
            ExecutionSuspended = new ExecutionSuspendedEvent(),
        };
        return CommandAsync(() => sidecar.Engine.AddEventAsync(instanceId, e, context.RequestAborted), ex =>
            Error(500, "ERR_PAUSE_WORKFLOW",
                $"error pausing workflow {instanceId}: failed to pause workflow {instanceId}: failed to suspend workflow: {ex.Message}"));
    }

    private static Task<IResult> ResumeAsync(string instanceId, HttpContext context, WorkflowSidecar sidecar)
    {
        var e = new HistoryEvent
        {
            EventId = -1,
            Timestamp = Timestamp.FromDateTimeOffset(sidecar.Time.GetUtcNow()),
            ExecutionResumed = new ExecutionResumedEvent(),
        };
        return CommandAsync(() => sidecar.Engine.AddEventAsync(instanceId, e, context.RequestAborted), ex =>
            Error(500, "ERR_RESUME_WORKFLOW",
                $"error resuming workflow {instanceId}: failed to resume workflow {instanceId}: failed to resume workflow: {ex.Message}"));
    }

    private static Task<IResult> PurgeAsync(string instanceId, HttpContext context, WorkflowSidecar sidecar) =>
        CommandAsync(() => sidecar.Engine.PurgeAsync(instanceId, recursive: true, context.RequestAborted), ex =>
            ex.Kind == WorkflowFailure.InstanceNotFound
                ? NotFound(instanceId, $"failed to purge workflow state: {ex.Message}")
                : Error(500, "ERR_PURGE_WORKFLOW",
                    $"error purging workflow {instanceId}: failed to Purge workflow {instanceId}: failed to purge workflow state: {ex.Message}"));

    private static async Task<IResult> CommandAsync(Func<Task> command, Func<WorkflowOperationException, IResult> onError)
    {
        try
        {
            await command();
            return Results.StatusCode(StatusCodes.Status202Accepted);
        }
        catch (WorkflowOperationException ex)
        {
            return onError(ex);
        }
    }

    /// <summary>
    /// daprd formats <c>ErrWorkflowInstanceNotFound</c> (one <c>%s</c>) with the instance id and the error, so Go's
    /// fmt appends the extra argument as <c>%!(EXTRA type=value)</c> — and that is the message daprd sends.
    /// </summary>
    private static IResult NotFound(string instanceId, string error) =>
        Error(404, "ERR_INSTANCE_ID_NOT_FOUND",
            $"unable to find workflow with the provided instance ID: {instanceId}%!(EXTRA *fmt.wrapError={error})");

    /// <summary>universal.validateInstanceID: required; on create at most 64 letters, digits, '_' or '-'.</summary>
    private static IResult? ValidateInstanceId(string instanceId, bool isCreate)
    {
        if (instanceId.Length == 0)
        {
            return Error(400, "ERR_INSTANCE_ID_PROVIDED_MISSING", "no instance ID was provided");
        }
        if (!isCreate)
        {
            return null;
        }
        if (instanceId.Length > 64)
        {
            return Error(400, "ERR_INSTANCE_ID_TOO_LONG", "workflow instance ID exceeds the max length of 64 characters");
        }
        return instanceId.EnumerateRunes().All(r => Rune.IsLetter(r) || Rune.IsDigit(r) || r.Value is '_' or '-')
            ? null
            : Error(400, "ERR_INSTANCE_ID_INVALID", $"workflow instance ID '{instanceId}' is invalid: only alphanumeric and underscore characters are allowed");
    }

    /// <summary>The body as the workflow input or event data, verbatim (an empty body is an empty string).</summary>
    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
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

    private static IResult Json(int status, IMessage message) =>
        Results.Text(JsonFormatter.Default.Format(message), "application/json", Encoding.UTF8, status);

    private static IResult Error(int status, string code, string message) =>
        DaprHttpApi.Error(new DaprApiException(Grpc.Core.StatusCode.Unknown, status, code, message));
}
