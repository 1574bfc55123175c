using System.Reflection;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// <c>TaskHubSidecarService</c>, the durabletask protocol the official workflow SDKs speak to the sidecar's gRPC
/// port (daprd registers durabletask-go's <c>grpcExecutor</c>, <c>backend/executor.go</c> @ v0.12.4, on the same
/// server). Created per call by Grpc.AspNetCore; the engine is the app-id's.
/// </summary>
internal sealed class TaskHubService(WorkflowSidecar sidecar)
{

    private WorkflowEngine Engine => sidecar.Engine;

    private Timestamp Now() => Timestamp.FromDateTimeOffset(sidecar.Time.GetUtcNow());

    public Task<Empty> Hello(Empty request, ServerCallContext context) => Task.FromResult(request);

    public async Task<CreateInstanceResponse> StartInstance(CreateInstanceRequest request, ServerCallContext context)
    {
        var start = new HistoryEvent
        {
            EventId = -1,
            Timestamp = Now(),
            ExecutionStarted = new ExecutionStartedEvent
            {
                Name = request.Name,
                Input = request.Input,
                WorkflowInstance = new WorkflowInstance { InstanceId = request.InstanceId, ExecutionId = Guid.NewGuid().ToString() },
                ScheduledStartTimestamp = request.ScheduledStartTimestamp,
                ParentTraceContext = request.ParentTraceContext,
            },
        };
        await Call(() => Engine.CreateAsync(start, context.CancellationToken), "failed to create workflow instance: ");
        if (request.ScheduledStartTimestamp is null)
        {
            await WaitAsync(request.InstanceId, m => m.RuntimeStatus != OrchestrationStatus.Pending, context);
        }
        return new CreateInstanceResponse { InstanceId = request.InstanceId };
    }

    public async Task<GetInstanceResponse> GetInstance(GetInstanceRequest request, ServerCallContext context)
    {
        var metadata = await Call(() => Engine.GetMetadataAsync(request.InstanceId, context.CancellationToken));
        return metadata is null ? new GetInstanceResponse { Exists = false } : ToResponse(request, metadata);
    }

    public async Task<GetInstanceResponse> WaitForInstanceStart(GetInstanceRequest request, ServerCallContext context) =>
        ToResponse(request, await WaitAsync(request.InstanceId, m => m.RuntimeStatus != OrchestrationStatus.Pending, context));

    public async Task<GetInstanceResponse> WaitForInstanceCompletion(GetInstanceRequest request, ServerCallContext context) =>
        ToResponse(request, await WaitAsync(request.InstanceId, m => WorkflowEngine.IsTerminal(m.RuntimeStatus), context));

    public async Task<RaiseEventResponse> RaiseEvent(RaiseEventRequest request, ServerCallContext context)
    {
        await Call(() => Engine.AddEventAsync(request.InstanceId, new HistoryEvent
        {
            EventId = -1,
            Timestamp = Now(),
            EventRaised = new EventRaisedEvent { Name = request.Name, Input = request.Input },
        }, context.CancellationToken));
        return new RaiseEventResponse();
    }

    public async Task<TerminateResponse> TerminateInstance(TerminateRequest request, ServerCallContext context)
    {
        await Call(() => Engine.AddEventAsync(request.InstanceId, new HistoryEvent
        {
            EventId = -1,
            Timestamp = Now(),
            ExecutionTerminated = new ExecutionTerminatedEvent { Input = request.Output, Recurse = request.Recursive },
        }, context.CancellationToken), "failed to submit termination request: ");
        await WaitAsync(request.InstanceId, m => WorkflowEngine.IsTerminal(m.RuntimeStatus), context);
        return new TerminateResponse();
    }

    public async Task<SuspendResponse> SuspendInstance(SuspendRequest request, ServerCallContext context)
    {
        await Call(() => Engine.AddEventAsync(request.InstanceId, new HistoryEvent
        {
            EventId = -1,
            Timestamp = Now(),
            ExecutionSuspended = new ExecutionSuspendedEvent { Input = string.IsNullOrEmpty(request.Reason) ? null : request.Reason },
        }, context.CancellationToken));
        await WaitAsync(request.InstanceId, m => m.RuntimeStatus == OrchestrationStatus.Suspended || WorkflowEngine.IsTerminal(m.RuntimeStatus), context);
        return new SuspendResponse();
    }

    public async Task<ResumeResponse> ResumeInstance(ResumeRequest request, ServerCallContext context)
    {
        await Call(() => Engine.AddEventAsync(request.InstanceId, new HistoryEvent
        {
            EventId = -1,
            Timestamp = Now(),
            ExecutionResumed = new ExecutionResumedEvent { Input = string.IsNullOrEmpty(request.Reason) ? null : request.Reason },
        }, context.CancellationToken));
        await WaitAsync(request.InstanceId, m => m.RuntimeStatus == OrchestrationStatus.Running || WorkflowEngine.IsTerminal(m.RuntimeStatus), context);
        return new ResumeResponse();
    }

    public async Task<PurgeInstancesResponse> PurgeInstances(PurgeInstancesRequest request, ServerCallContext context)
    {
        if (request.PurgeInstanceFilter is not null)
        {
            // durabletask-go returns a plain error (Unknown) for filters.
            throw new RpcException(new Status(StatusCode.Unknown, "multi-instance purge is not unimplemented"));
        }
        var count = await Call(() => Engine.PurgeAsync(request.InstanceId, request.Recursive, context.CancellationToken), "failed to purge workflow state: ");
        return new PurgeInstancesResponse { DeletedInstanceCount = count };
    }

    public async Task<GetInstanceHistoryResponse> GetInstanceHistory(GetInstanceHistoryRequest request, ServerCallContext context)
    {
        var history = await Call(() => Engine.GetHistoryAsync(request.InstanceId, context.CancellationToken))
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"workflow instance '{request.InstanceId}' not found"));
        var response = new GetInstanceHistoryResponse();
        response.Events.AddRange(history);
        return response;
    }

    /// <summary>The worker's stream: work items as the engine dispatches them, until the app or the sidecar goes away.</summary>
    public async Task GetWorkItems(GetWorkItemsRequest request, IServerStreamWriter<WorkItem> responseStream, ServerCallContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, sidecar.Stopping);
        using var tracked = sidecar.TrackStream();
        sidecar.Logger.LogInformation("work item stream established by user-agent: {UserAgent}", context.RequestHeaders.GetValue("user-agent"));
        await Engine.Hub.ServeAsync((item, ct) => responseStream.WriteAsync(item, ct), linked.Token);
        if (sidecar.Stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "shutting down"));
        }
    }

    public Task<CompleteTaskResponse> CompleteActivityTask(ActivityResponse request, ServerCallContext context)
    {
        Engine.Hub.CompleteActivity(request);
        return Task.FromResult(new CompleteTaskResponse());
    }

    public Task<CompleteTaskResponse> CompleteOrchestratorTask(WorkflowResponse request, ServerCallContext context) =>
        CompleteWorkflowTask(request, context);

    public Task<CompleteTaskResponse> CompleteWorkflowTask(WorkflowResponse request, ServerCallContext context)
    {
        Engine.Hub.CompleteWorkflow(request);
        return Task.FromResult(new CompleteTaskResponse());
    }

    private async Task<WorkflowMetadata> WaitAsync(string instanceId, Func<WorkflowMetadata, bool> condition, ServerCallContext context) =>
        await Call(() => Engine.WaitAsync(instanceId, condition, context.CancellationToken));

    private static async Task Call(Func<Task> operation, string? wrap = null)
    {
        try
        {
            await operation();
        }
        catch (WorkflowOperationException ex)
        {
            throw WorkflowErrors.ToRpc(ex, wrap);
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> operation, string? wrap = null)
    {
        try
        {
            return await operation();
        }
        catch (WorkflowOperationException ex)
        {
            throw WorkflowErrors.ToRpc(ex, wrap);
        }
    }

    /// <summary>durabletask-go's <c>createGetInstanceResponse</c>: inputs and outputs only when asked for.</summary>
    private static GetInstanceResponse ToResponse(GetInstanceRequest request, WorkflowMetadata metadata)
    {
        var state = new WorkflowState
        {
            InstanceId = request.InstanceId,
            Name = metadata.Name,
            WorkflowStatus = metadata.RuntimeStatus,
            CreatedTimestamp = metadata.CreatedAt,
            LastUpdatedTimestamp = metadata.LastUpdatedAt,
        };
        if (metadata.StartedAt is not null)
        {
            state.StartedAt = metadata.StartedAt;
        }
        if (request.GetInputsAndOutputs)
        {
            state.Input = metadata.Input;
            state.CustomStatus = metadata.CustomStatus;
            state.Output = metadata.Output;
            state.FailureDetails = metadata.FailureDetails;
        }
        return new GetInstanceResponse { Exists = true, WorkflowState = state };
    }
}

/// <summary>
/// Binds every RPC of <c>TaskHubSidecarService</c> (descriptor from the Dapr.Workflow package) to the same-named
/// handler on <see cref="TaskHubService"/>; RPCs without one (ListInstanceIDs, RerunWorkflowFromEvent) answer
/// <c>Unimplemented</c> naming the method.
/// </summary>
internal sealed class TaskHubMethodProvider : IServiceMethodProvider<TaskHubService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TaskHubService> context)
    {
        var bind = typeof(TaskHubMethodProvider).GetMethod(nameof(Bind), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var method in TaskHubSidecarService.Descriptor.Methods)
        {
            bind.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType).Invoke(null, [context, method]);
        }
    }

    private static void Bind<TRequest, TResponse>(ServiceMethodProviderContext<TaskHubService> context, Google.Protobuf.Reflection.MethodDescriptor descriptor)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var responseParser = new MessageParser<TResponse>(() => new TResponse());
        var method = new Method<TRequest, TResponse>(
            descriptor.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary,
            descriptor.Service.FullName,
            descriptor.Name,
            Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), responseParser.ParseFrom));
        var handler = typeof(TaskHubService).GetMethod(descriptor.Name, BindingFlags.Public | BindingFlags.Instance);
        var unimplemented = new RpcException(new Status(StatusCode.Unimplemented,
            $"method {descriptor.Name} is not implemented by the embedded Dapr sidecar"));
        if (descriptor.IsServerStreaming)
        {
            context.AddServerStreamingMethod(method, [], handler is null
                ? (_, _, _, _) => throw unimplemented
                : handler.CreateDelegate<ServerStreamingServerMethod<TaskHubService, TRequest, TResponse>>());
        }
        else
        {
            context.AddUnaryMethod(method, [], handler is null
                ? (_, _, _) => throw unimplemented
                : handler.CreateDelegate<UnaryServerMethod<TaskHubService, TRequest, TResponse>>());
        }
    }
}
