using System.Text;

namespace Flipkart.ComponentLint.Linting;

/// <summary>Plain-text report: one line per service, then every problem with its fix. No progress noise.</summary>
public static class LintReport
{
    public static string Render(LintResult result, string profileDisplay)
    {
        var text = new StringBuilder();
        text.AppendLine($"Profile {profileDisplay}: {result.Profile.Resources.Count} resources, {result.Components.Count} components");
        text.AppendLine();
        var width = result.Services.Select(s => s.AppId.Length).DefaultIfEmpty(0).Max();
        foreach (var service in result.Services)
        {
            var uses = service.Uses.Select(u => $"{u.Component} ({u.Type}) {(u.Ok ? "ok" : "FAIL")}");
            var line = string.Join(", ", uses);
            if (service.ActorStore is not null)
            {
                line += $", actor state {service.ActorStore} {(service.ActorsOk ? "ok" : "FAIL")}";
            }
            if (service.Invocations > 0)
            {
                var denied = result.Errors.Count(f => f.Service == service.AppId && f.Need?.StartsWith("to invoke ", StringComparison.Ordinal) == true);
                line += $", invokes {service.Invocations - denied}/{service.Invocations} allowed" + (denied > 0 ? " FAIL" : "");
            }
            text.AppendLine($"  {service.AppId.PadRight(width)}  {line}");
        }

        foreach (var (title, findings) in new[] { ("Errors", result.Errors.ToList()), ("Warnings", result.Warnings.ToList()) })
        {
            if (findings.Count == 0)
            {
                continue;
            }
            text.AppendLine();
            text.AppendLine($"{title} ({findings.Count}):");
            foreach (var finding in findings)
            {
                text.AppendLine($"  - {finding.Headline}");
                if (finding.Fix is not null)
                {
                    text.AppendLine($"      fix: {finding.Fix}");
                }
                if (finding.File is not null)
                {
                    text.AppendLine($"      in:  {finding.File}");
                }
            }
        }

        var errors = result.Errors.Count();
        var warnings = result.Warnings.Count();
        text.AppendLine();
        text.AppendLine($"{(result.Passed ? "PASS" : "FAIL")}: {errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}");
        return text.ToString();
    }
}
