namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>
/// When a timer or reminder fires, mirroring daprd's reminder bookkeeping: the first fire is the due time (or
/// now), each later fire is the previous scheduled time plus the period (not the completion time), a finite
/// <c>R&lt;n&gt;/</c> counts down, and nothing fires at or after the expiration.
/// </summary>
public sealed class ActorSchedule
{
    private ActorSchedule(DateTimeOffset next, CalendarDuration period, int repeatsLeft, DateTimeOffset? expiration)
    {
        NextFire = next;
        Period = period;
        RepeatsLeft = repeatsLeft;
        Expiration = expiration;
    }

    public DateTimeOffset NextFire { get; private set; }

    public CalendarDuration Period { get; }

    /// <summary>-1 = unlimited.</summary>
    public int RepeatsLeft { get; private set; }

    public DateTimeOffset? Expiration { get; private set; }

    /// <summary>False once the next fire would fall at or after the TTL.</summary>
    public bool IsActive => Expiration is null || NextFire < Expiration.Value;

    private bool HasRepeats => RepeatsLeft != 0 && !Period.IsZero;

    /// <summary>
    /// Builds a schedule from the strings an SDK registers. <paramref name="kind"/> ("timer" / "reminder") appears
    /// in error messages as in daprd.
    /// </summary>
    /// <exception cref="FormatException">The message is daprd's reason text.</exception>
    public static ActorSchedule Create(string? dueTime, string? period, string? ttl, DateTimeOffset now, string kind, string key)
    {
        var first = now;
        if (!string.IsNullOrEmpty(dueTime))
        {
            try
            {
                first = ActorTimeFormats.ParseTime(dueTime, now);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"error parsing {kind} due time: {ex.Message}", ex);
            }
        }

        var parsedPeriod = new CalendarDuration(0, 0, 0, TimeSpan.Zero, -1);
        if (!string.IsNullOrEmpty(period))
        {
            if (!ActorTimeFormats.TryParseDuration(period, out parsedPeriod))
            {
                throw new FormatException($"invalid {kind} period: parse error: unsupported duration format: {period}");
            }

            if (parsedPeriod.Repetitions == 0)
            {
                throw new FormatException($"invalid {kind} period: has zero repetitions");
            }
        }

        DateTimeOffset? expiration = null;
        if (!string.IsNullOrEmpty(ttl))
        {
            try
            {
                expiration = ActorTimeFormats.ParseTime(ttl, first);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"error parsing {kind} TTL: {ex.Message}", ex);
            }

            if (now > expiration.Value || first > expiration.Value)
            {
                throw new FormatException($"{kind} {key} has already expired: dueTime: {first:O} TTL: {ttl}");
            }
        }

        return new ActorSchedule(first, parsedPeriod, parsedPeriod.Repetitions, expiration);
    }

    /// <summary>Records that the scheduled fire ran; returns true when nothing more should fire.</summary>
    public bool TickExecuted()
    {
        if (RepeatsLeft > 0)
        {
            RepeatsLeft--;
        }

        if (!HasRepeats)
        {
            return true;
        }

        NextFire = Period.AddTo(NextFire);
        return !IsActive;
    }

    /// <summary>Restores progress after the schedule was re-read from storage.</summary>
    public void Restore(DateTimeOffset nextFire, int repeatsLeft, DateTimeOffset? expiration)
    {
        NextFire = nextFire;
        RepeatsLeft = repeatsLeft;
        Expiration = expiration;
    }
}
