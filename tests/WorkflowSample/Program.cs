using Dapr.Workflow;

// A sample workflow app: POST /receipts/{id} starts "DelayedReceipt", which waits on a durable timer and then runs
// the "Deliver" activity. Deliver appends "<id>" to the file named by WORKFLOW_SAMPLE_LOG, so a test can count how
// often it ran across app restarts.
var builder = WebApplication.CreateSlimBuilder(args);
var delay = TimeSpan.FromSeconds(double.Parse(builder.Configuration["WORKFLOW_SAMPLE_DELAY_SECONDS"] ?? "2", System.Globalization.CultureInfo.InvariantCulture));
var log = builder.Configuration["WORKFLOW_SAMPLE_LOG"];

builder.Services.AddDaprWorkflow(options =>
{
    options.RegisterWorkflow<string, string>("DelayedReceipt", async (context, receipt) =>
    {
        await context.CreateTimer(delay);
        return await context.CallActivityAsync<string>("Deliver", receipt);
    });
    options.RegisterActivity<string, string>("Deliver", async (context, receipt) =>
    {
        if (log is not null)
        {
            await File.AppendAllTextAsync(log, receipt + Environment.NewLine);
        }
        return $"delivered {receipt}";
    });
});

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok());
app.MapGet("/readyz", () => Results.Ok());
app.MapPost("/receipts/{id}", async (string id, DaprWorkflowClient workflows) =>
{
    await workflows.ScheduleNewWorkflowAsync("DelayedReceipt", id, id);
    return Results.Accepted($"/receipts/{id}");
});
app.MapGet("/receipts/{id}", async (string id, DaprWorkflowClient workflows) =>
{
    var state = await workflows.GetWorkflowStateAsync(id);
    return state.Exists
        ? Results.Ok(new { status = state.RuntimeStatus.ToString(), output = state.ReadOutputAs<string>() })
        : Results.NotFound();
});
app.Run();
