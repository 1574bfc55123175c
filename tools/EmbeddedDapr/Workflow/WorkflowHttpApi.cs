using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.HttpApi;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// daprd's workflow HTTP API (<c>pkg/api/http/workflow.go</c> @ release-1.18) on <c>v1.0</c>, <c>v1.0-beta1</c> and
/// <c>v1.0-alpha1</c>: 202 for every command (start answers <c>{"instanceID"}</c>; its body is the raw input, a raised
/// event's body the raw event data), the <c>GetWorkflowResponse</c> JSON for a read, 404 for an unknown instance.
/// The component segment is not checked (daprd 1.18 does not check it either).
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
            endpoints.MapPost(prefix + "/{instanceId}/raiseEvent/{eventName}", async (string instanceId, string eventName, HttpContext context, WorkflowApi api) =>
                await RunAsync(async () => await api.RaiseEventAsync(instanceId, eventName, await ReadBodyAsync(context), context.RequestAborted)));
            endpoints.MapPost(prefix + "/{instanceId}/terminate", (string instanceId, HttpContext context, WorkflowApi api) =>
                RunAsync(() => api.TerminateAsync(instanceId, context.RequestAborted)));
            endpoints.MapPost(prefix + "/{instanceId}/pause", (string instanceId, HttpContext context, WorkflowApi api) =>
                RunAsync(() => api.PauseAsync(instanceId, context.RequestAborted)));
            endpoints.MapPost(prefix + "/{instanceId}/resume", (string instanceId, HttpContext context, WorkflowApi api) =>
                RunAsync(() => api.ResumeAsync(instanceId, context.RequestAborted)));
            endpoints.MapPost(prefix + "/{instanceId}/purge", (string instanceId, HttpContext context, WorkflowApi api) =>
                RunAsync(() => api.PurgeAsync(instanceId, context.RequestAborted)));
        }
    }

    private static async Task<IResult> StartAsync(HttpContext context, string workflowName, WorkflowApi api)
    {
        try
        {
            var response = await api.StartAsync(new Proto.StartWorkflowRequest
            {
                WorkflowName = workflowName,
                InstanceId = context.Request.Query["instanceID"].ToString(),
                Input = ByteString.CopyFrom(await ReadBodyAsync(context)),
            }, context.RequestAborted);
            return Json(StatusCodes.Status202Accepted, response);
        }
        catch (DaprApiException ex)
        {
            return DaprHttpApi.Error(ex);
        }
    }

    private static async Task<IResult> GetAsync(string instanceId, HttpContext context, WorkflowApi api)
    {
        try
        {
            var response = await api.GetAsync(instanceId, context.RequestAborted) ?? throw WorkflowApi.InstanceNotFound(instanceId);
            return Json(StatusCodes.Status200OK, response);
        }
        catch (DaprApiException ex)
        {
            return DaprHttpApi.Error(ex);
        }
    }

    private static async Task<IResult> RunAsync(Func<Task> command)
    {
        try
        {
            await command();
            return Results.StatusCode(StatusCodes.Status202Accepted);
        }
        catch (DaprApiException ex)
        {
            return DaprHttpApi.Error(ex);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    private static IResult Json(int status, IMessage message) =>
        Results.Text(JsonFormatter.Default.Format(message), "application/json", System.Text.Encoding.UTF8, status);
}
