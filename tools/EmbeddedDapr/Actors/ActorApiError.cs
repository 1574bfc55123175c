using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>
/// daprd's legacy actor API errors: HTTP status plus a JSON body <c>{"errorCode","message"}</c>, with the
/// wording of daprd's <c>messages</c> package.
/// </summary>
public sealed class ActorApiError(int status, string errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string ErrorCode { get; } = errorCode;

    public static ActorApiError MalformedRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, "ERR_MALFORMED_REQUEST", "failed deserializing HTTP body: " + detail);

    public static ActorApiError BadRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, "ERR_BAD_REQUEST", "invalid request: " + detail);

    public static ActorApiError TypeReserved(string actorType) =>
        new(StatusCodes.Status403Forbidden, "ERR_ACTOR_TYPE_RESERVED",
            $"actor type \"{actorType}\" is reserved for the Dapr workflow runtime; direct actor API access is not permitted");

    public static ActorApiError ReminderNonHosted() =>
        new(StatusCodes.Status403Forbidden, "ERR_ACTOR_REMINDER_NON_HOSTED",
            "operations on actor reminders are only possible on hosted actor types");

    public static ActorApiError RuntimeNotFound() =>
        new(StatusCodes.Status500InternalServerError, "ERR_ACTOR_RUNTIME_NOT_FOUND",
            "the state store is not configured to use the actor runtime. Have you set the - name: actorStateStore value: \"true\" in your state store component file?");

    public static ActorApiError InstanceMissing() =>
        new(StatusCodes.Status400BadRequest, "ERR_ACTOR_INSTANCE_MISSING", "actor instance is missing");

    public static ActorApiError Invoke(string detail) =>
        new(StatusCodes.Status500InternalServerError, "ERR_ACTOR_INVOKE_METHOD", "error invoke actor method: " + detail);

    public static ActorApiError StateGet(string detail) =>
        new(StatusCodes.Status500InternalServerError, "ERR_ACTOR_STATE_GET", "error getting actor state: " + detail);

    public static ActorApiError StateTransaction(string detail) =>
        new(StatusCodes.Status500InternalServerError, "ERR_ACTOR_STATE_TRANSACTION_SAVE", "error saving actor transaction state: " + detail);

    public static ActorApiError ReminderCreate(string detail) =>
        new(StatusCodes.Status500InternalServerError, "ERR_ACTOR_REMINDER_CREATE", "error creating actor reminder: " + detail);

    public static ActorApiError ReminderNotFound(string name) =>
        new(StatusCodes.Status404NotFound, "ERR_ACTOR_REMINDER_NOT_FOUND", "actor reminder not found: " + name);

    public static ActorApiError ReminderAlreadyExists(string name) =>
        new(StatusCodes.Status409Conflict, "ERR_ACTOR_REMINDER_ALREADY_EXISTS", "actor reminder already exists: " + name);

    public static ActorApiError TimerCreate(string detail) =>
        new(StatusCodes.Status500InternalServerError, "ERR_ACTOR_TIMER_CREATE", "error creating actor timer: " + detail);

    public static ActorApiError StackDepth() =>
        new(StatusCodes.Status500InternalServerError, "ERR_ACTOR_STACK_DEPTH", "maximum stack depth exceeded");

    public static ActorApiError NoPlacement() =>
        new(StatusCodes.Status400BadRequest, "ERR_ACTOR_NO_PLACEMENT", "placement service is not configured");

    public Task WriteAsync(HttpResponse response)
    {
        response.StatusCode = Status;
        response.ContentType = "application/json";
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(ErrorCode, Message), ActorJson.Options);
        return response.Body.WriteAsync(body).AsTask();
    }

    private sealed record ErrorBody(string ErrorCode, string Message);
}

internal static class ActorJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
