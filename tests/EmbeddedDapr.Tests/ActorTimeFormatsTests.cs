using Flipkart.EmbeddedDapr.Actors;

namespace Flipkart.EmbeddedDapr.Tests;

public class ActorTimeFormatsTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0h0m5s0ms", 5_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("300ms", 300)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m0.25s", 120_250)]
    [InlineData("0", 0)]
    [InlineData("-1s", -1_000)]
    [InlineData("1500us", 1.5)]
    public void Go_durations_parse_like_Go(string text, double expectedMilliseconds)
    {
        Assert.True(ActorTimeFormats.TryParseGoDuration(text, out var span));
        Assert.Equal(expectedMilliseconds, span.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("h")]
    [InlineData("1h 2m")]
    public void Text_that_is_not_Go_duration_syntax_is_rejected(string text) =>
        Assert.False(ActorTimeFormats.TryParseGoDuration(text, out _));

    [Fact]
    public void Iso8601_durations_have_calendar_and_time_parts()
    {
        Assert.True(ActorTimeFormats.TryParseIso8601Duration("P1Y2M3W4DT5H6M7S", out var d));
        Assert.Equal(new CalendarDuration(1, 2, 25, new TimeSpan(5, 6, 7), -1), d);
    }

    [Fact]
    public void Iso8601_repetitions_come_from_the_R_prefix()
    {
        Assert.True(ActorTimeFormats.TryParseIso8601Duration("R5/PT10S", out var d));
        Assert.Equal(5, d.Repetitions);
        Assert.Equal(TimeSpan.FromSeconds(10), d.Time);
    }

    [Theory]
    [InlineData("P")]
    [InlineData("PT1.5S")]
    [InlineData("P1H")]
    [InlineData("PT1D")]
    [InlineData("1PT")]
    [InlineData("R/PT1S")]
    [InlineData("Rx/PT1S")]
    public void Malformed_iso8601_durations_are_rejected(string text) =>
        Assert.False(ActorTimeFormats.TryParseIso8601Duration(text, out _));

    [Fact]
    public void Due_times_add_durations_to_now_and_take_rfc3339_timestamps_as_is()
    {
        Assert.Equal(Now.AddSeconds(5), ActorTimeFormats.ParseTime("0h0m5s0ms", Now));
        Assert.Equal(Now.AddMonths(1), ActorTimeFormats.ParseTime("P1M", Now));
        Assert.Equal(Now.AddMinutes(1), ActorTimeFormats.ParseTime("PT1M", Now));
        Assert.Equal(
            new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddTicks(1234567),
            ActorTimeFormats.ParseTime("2030-05-06T07:08:09.123456789+02:00", Now));
        Assert.Equal(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero), ActorTimeFormats.ParseTime("2030-05-06T07:08:09Z", Now));
    }

    [Fact]
    public void Due_times_reject_repetitions()
    {
        var ex = Assert.Throws<FormatException>(() => ActorTimeFormats.ParseTime("R2/PT1S", Now));
        Assert.Equal("repetitions are not allowed", ex.Message);
    }

    [Theory]
    [InlineData("tomorrow")]
    [InlineData("2030-05-06 07:08:09Z")]
    [InlineData("2030-05-06T07:08:09")]
    public void Unsupported_due_time_text_is_rejected_in_daprds_words(string text)
    {
        var ex = Assert.Throws<FormatException>(() => ActorTimeFormats.ParseTime(text, Now));
        Assert.Equal("unsupported time/duration format: " + text, ex.Message);
    }

    [Fact]
    public void Empty_due_time_and_period_fire_once_now()
    {
        var schedule = ActorSchedule.Create("", "", "", Now, "reminder", "k");
        Assert.Equal(Now, schedule.NextFire);
        Assert.True(schedule.TickExecuted());
    }

    [Fact]
    public void Periods_step_from_the_scheduled_time()
    {
        var schedule = ActorSchedule.Create("0h0m5s0ms", "0h0m10s0ms", null, Now, "timer", "k");
        Assert.Equal(Now.AddSeconds(5), schedule.NextFire);
        Assert.False(schedule.TickExecuted());
        Assert.Equal(Now.AddSeconds(15), schedule.NextFire);
        Assert.False(schedule.TickExecuted());
        Assert.Equal(Now.AddSeconds(25), schedule.NextFire);
    }

    [Fact]
    public void A_schedule_stops_after_its_repetitions()
    {
        var schedule = ActorSchedule.Create(null, "R3/PT1S", null, Now, "reminder", "k");
        Assert.False(schedule.TickExecuted());
        Assert.False(schedule.TickExecuted());
        Assert.True(schedule.TickExecuted());
    }

    [Fact]
    public void A_schedule_stops_at_its_ttl()
    {
        var schedule = ActorSchedule.Create("1s", "1s", "2500ms", Now, "timer", "k");
        Assert.Equal(Now.AddSeconds(3.5), schedule.Expiration);
        Assert.False(schedule.TickExecuted());
        Assert.False(schedule.TickExecuted());
        Assert.True(schedule.TickExecuted());
    }

    [Fact]
    public void Zero_repetitions_are_invalid()
    {
        var ex = Assert.Throws<FormatException>(() => ActorSchedule.Create(null, "R0/PT1S", null, Now, "reminder", "k"));
        Assert.Equal("invalid reminder period: has zero repetitions", ex.Message);
    }

    [Fact]
    public void Unparseable_periods_and_due_times_are_reported_in_daprds_words()
    {
        var period = Assert.Throws<FormatException>(() => ActorSchedule.Create(null, "often", null, Now, "timer", "k"));
        Assert.Equal("invalid timer period: parse error: unsupported duration format: often", period.Message);
        var due = Assert.Throws<FormatException>(() => ActorSchedule.Create("soon", null, null, Now, "reminder", "k"));
        Assert.Equal("error parsing reminder due time: unsupported time/duration format: soon", due.Message);
    }

    [Fact]
    public void An_already_expired_ttl_is_rejected()
    {
        var ex = Assert.Throws<FormatException>(() => ActorSchedule.Create(null, null, "2020-01-01T00:00:00Z", Now, "reminder", "T||1||r"));
        Assert.StartsWith("reminder T||1||r has already expired", ex.Message);
    }

    [Fact]
    public void The_sdks_repeating_reminder_format_is_accepted()
    {
        // Dapr.Actors writes "R<n>/P<d>DT<h>H<m>M<s>S" when repetitions are given.
        var schedule = ActorSchedule.Create("0h0m1s0ms", "R2/P1DT2H3M4S", null, Now, "reminder", "k");
        Assert.Equal(new CalendarDuration(0, 0, 1, new TimeSpan(2, 3, 4), 2), schedule.Period);
    }
}
