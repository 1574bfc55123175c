using Flipkart.EmbeddedDapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.GrpcApi;

/// <summary>
/// The workflow RPCs of the Dapr service (<c>…WorkflowBeta1</c> and their <c>Alpha1</c> aliases), daprd's universal
/// API: what the deprecated <c>DaprClient</c> workflow methods call. An unknown instance reads as an empty response.
/// </summary>
public sealed partial class DaprGrpcService
{
    private WorkflowApi Workflows => Services.GetRequiredService<WorkflowApi>();

    public Task<Proto.StartWorkflowResponse> StartWorkflowBeta1(Proto.StartWorkflowRequest request, ServerCallContext context) =>
        Workflows.StartAsync(request, context.CancellationToken);

    public async Task<Proto.GetWorkflowResponse> GetWorkflowBeta1(Proto.GetWorkflowRequest request, ServerCallContext context) =>
        await Workflows.GetAsync(request.InstanceId, context.CancellationToken) ?? new Proto.GetWorkflowResponse { InstanceId = request.InstanceId };

    public async Task<Empty> PurgeWorkflowBeta1(Proto.PurgeWorkflowRequest request, ServerCallContext context)
    {
        await Workflows.PurgeAsync(request.InstanceId, context.CancellationToken);
        return new Empty();
    }

    public async Task<Empty> TerminateWorkflowBeta1(Proto.TerminateWorkflowRequest request, ServerCallContext context)
    {
        await Workflows.TerminateAsync(request.InstanceId, context.CancellationToken);
        return new Empty();
    }

    public async Task<Empty> PauseWorkflowBeta1(Proto.PauseWorkflowRequest request, ServerCallContext context)
    {
        await Workflows.PauseAsync(request.InstanceId, context.CancellationToken);
        return new Empty();
    }

    public async Task<Empty> ResumeWorkflowBeta1(Proto.ResumeWorkflowRequest request, ServerCallContext context)
    {
        await Workflows.ResumeAsync(request.InstanceId, context.CancellationToken);
        return new Empty();
    }

    public async Task<Empty> RaiseEventWorkflowBeta1(Proto.RaiseEventWorkflowRequest request, ServerCallContext context)
    {
        await Workflows.RaiseEventAsync(request.InstanceId, request.EventName, request.EventData.IsEmpty ? null : request.EventData.ToByteArray(), context.CancellationToken);
        return new Empty();
    }

    public Task<Proto.StartWorkflowResponse> StartWorkflowAlpha1(Proto.StartWorkflowRequest request, ServerCallContext context) => StartWorkflowBeta1(request, context);

    public Task<Proto.GetWorkflowResponse> GetWorkflowAlpha1(Proto.GetWorkflowRequest request, ServerCallContext context) => GetWorkflowBeta1(request, context);

    public Task<Empty> PurgeWorkflowAlpha1(Proto.PurgeWorkflowRequest request, ServerCallContext context) => PurgeWorkflowBeta1(request, context);

    public Task<Empty> TerminateWorkflowAlpha1(Proto.TerminateWorkflowRequest request, ServerCallContext context) => TerminateWorkflowBeta1(request, context);

    public Task<Empty> PauseWorkflowAlpha1(Proto.PauseWorkflowRequest request, ServerCallContext context) => PauseWorkflowBeta1(request, context);

    public Task<Empty> ResumeWorkflowAlpha1(Proto.ResumeWorkflowRequest request, ServerCallContext context) => ResumeWorkflowBeta1(request, context);

    public Task<Empty> RaiseEventWorkflowAlpha1(Proto.RaiseEventWorkflowRequest request, ServerCallContext context) => RaiseEventWorkflowBeta1(request, context);
}
