using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Errors;

/// <summary>
/// One error as daprd reports it, renderable on both APIs: a gRPC status (with google.rpc details for the
/// "rich" errors) and the HTTP JSON body <c>{"errorCode","message","details"}</c>.
/// </summary>
public sealed class DaprApiException : Exception
{
    public DaprApiException(StatusCode grpcCode, int httpStatus, string errorCode, string message, string? reason = null)
        : base(message)
    {
        GrpcCode = grpcCode;
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
        Reason = reason;
    }

    public StatusCode GrpcCode { get; }
    public int HttpStatus { get; }

    /// <summary>Legacy <c>ERR_…</c> tag shown as HTTP <c>errorCode</c>.</summary>
    public string ErrorCode { get; }

    /// <summary><c>ErrorInfo.reason</c>; null for legacy errors, which carry no details at all.</summary>
    public string? Reason { get; }

    public IDictionary<string, string> ErrorInfoMetadata { get; } = new Dictionary<string, string>();
    public (string Type, string Name)? Resource { get; private set; }
    public (string Field, string Description)? FieldViolation { get; private set; }
    public (string Url, string Description)? HelpInfo { get; private set; }

    /// <summary>ETag failures are permanent: resiliency retry policies must not retry them.</summary>
    public bool IsPermanent { get; init; }

    public bool IsRich => Reason is not null;

    public DaprApiException WithResource(string type, string name) { Resource = (type, name); return this; }
    public DaprApiException WithFieldViolation(string field, string description) { FieldViolation = (field, description); return this; }
    public DaprApiException WithHelp(string url, string description) { HelpInfo = (url, description); return this; }
    public DaprApiException WithMetadata(string key, string value) { ErrorInfoMetadata[key] = value; return this; }

    public RpcException ToRpcException()
    {
        if (!IsRich)
        {
            return new RpcException(new Grpc.Core.Status(GrpcCode, Message));
        }

        // Any.Pack yields lower-case type URLs (type.googleapis.com/google.rpc.ErrorInfo), exactly like Go's anypb.
        var status = new Google.Rpc.Status { Code = (int)GrpcCode, Message = Message };
        var info = new ErrorInfo { Domain = "dapr.io", Reason = Reason! };
        info.Metadata.Add(ErrorInfoMetadata);
        status.Details.Add(Any.Pack(info));
        if (Resource is { } r)
        {
            status.Details.Add(Any.Pack(new ResourceInfo { ResourceType = r.Type, ResourceName = r.Name }));
        }
        if (FieldViolation is { } f)
        {
            var bad = new BadRequest();
            bad.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = f.Field, Description = f.Description });
            status.Details.Add(Any.Pack(bad));
        }
        if (HelpInfo is { } h)
        {
            var help = new Help();
            help.Links.Add(new Help.Types.Link { Url = h.Url, Description = h.Description });
            status.Details.Add(Any.Pack(help));
        }
        return status.ToRpcException();
    }

    public JsonObject ToHttpBody()
    {
        var body = new JsonObject { ["errorCode"] = ErrorCode, ["message"] = Message };
        if (IsRich)
        {
            var meta = new JsonObject();
            foreach (var (k, v) in ErrorInfoMetadata)
            {
                meta[k] = v;
            }
            var details = new JsonArray
            {
                new JsonObject
                {
                    ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
                    ["domain"] = "dapr.io",
                    ["reason"] = Reason,
                    ["metadata"] = meta,
                },
            };
            if (Resource is { } r)
            {
                details.Add(new JsonObject
                {
                    ["@type"] = "type.googleapis.com/google.rpc.ResourceInfo",
                    ["resource_type"] = r.Type,
                    ["resource_name"] = r.Name,
                    ["owner"] = "",
                    ["description"] = "",
                });
            }
            if (FieldViolation is { } f)
            {
                details.Add(new JsonObject
                {
                    ["@type"] = "type.googleapis.com/google.rpc.BadRequest",
                    ["field_violations"] = new JsonArray(new JsonObject { ["field"] = f.Field, ["description"] = f.Description }),
                });
            }
            body["details"] = details;
        }
        return body;
    }

    public Task WriteHttpAsync(HttpContext context)
    {
        context.Response.StatusCode = HttpStatus;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(ToHttpBody().ToJsonString(JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
