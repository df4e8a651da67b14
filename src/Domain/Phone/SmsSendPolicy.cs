namespace FunctionsMfa.Domain.Phone;

/// <summary>Limits against SMS pumping: spacing and counts per destination number, and a daily count per user.</summary>
public sealed record SmsSendLimits
{
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(30);

    public int PerNumberPerHour { get; init; } = 5;

    public int PerUserPerDay { get; init; } = 10;
}

/// <summary>
/// A sliding log of recent sends (their instants), kept per number and per user. A decision reads the log, and an
/// accepted send returns the log to store, pruned to what the window still needs.
/// </summary>
public static class SmsSendPolicy
{
    /// <summary>How long until one more send to this number is allowed; zero when it is allowed now.</summary>
    public static TimeSpan NumberWait(IReadOnlyList<DateTimeOffset> sends, DateTimeOffset now, SmsSendLimits limits)
    {
        ArgumentNullException.ThrowIfNull(sends);
        ArgumentNullException.ThrowIfNull(limits);
        var wait = TimeSpan.Zero;
        if (sends.Count > 0)
        {
            var last = sends.Max();
            wait = Max(wait, last + limits.MinInterval - now);
        }

        return Max(wait, WindowWait(sends, now, TimeSpan.FromHours(1), limits.PerNumberPerHour));
    }

    /// <summary>How long until one more send for this user is allowed; zero when it is allowed now.</summary>
    public static TimeSpan UserWait(IReadOnlyList<DateTimeOffset> sends, DateTimeOffset now, SmsSendLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return WindowWait(sends, now, TimeSpan.FromDays(1), limits.PerUserPerDay);
    }

    /// <summary>The log after a send now: the sends still inside <paramref name="window"/>, plus this one.</summary>
    public static IReadOnlyList<DateTimeOffset> Record(IReadOnlyList<DateTimeOffset> sends, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(sends);
        return [.. sends.Where(s => s > now - window).Order(), now];
    }

    private static TimeSpan WindowWait(IReadOnlyList<DateTimeOffset> sends, DateTimeOffset now, TimeSpan window, int max)
    {
        ArgumentNullException.ThrowIfNull(sends);
        var inWindow = sends.Where(s => s > now - window).Order().ToList();
        if (inWindow.Count < max)
        {
            return TimeSpan.Zero;
        }

        // The send that must leave the window before another fits.
        var blocking = inWindow[inWindow.Count - max];
        return blocking + window - now;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
