using FunctionsMfa.Domain.Phone;

namespace FunctionsMfa.Tests.PhoneNumbers;

public sealed class PhoneDomainTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Generated_codes_are_six_ascii_digits_and_spread_over_the_range()
    {
        var codes = Enumerable.Range(0, 2000).Select(_ => PhoneCodes.Generate()).ToList();
        Assert.All(codes, c => Assert.True(PhoneCodes.IsWellFormed(c), c));
        Assert.True(codes.Distinct().Count() > 1900);
        Assert.Contains(codes, c => c[0] == '0');
    }

    [Fact]
    public void The_send_log_enforces_spacing_hourly_and_daily_counts()
    {
        var limits = new SmsSendLimits();
        IReadOnlyList<DateTimeOffset> log = [];
        Assert.Equal(TimeSpan.Zero, SmsSendPolicy.NumberWait(log, T0, limits));
        log = SmsSendPolicy.Record(log, T0, TimeSpan.FromHours(1));
        Assert.Equal(TimeSpan.FromSeconds(30), SmsSendPolicy.NumberWait(log, T0, limits));
        Assert.Equal(TimeSpan.FromSeconds(1), SmsSendPolicy.NumberWait(log, T0.AddSeconds(29), limits));

        for (var i = 1; i < 5; i++)
        {
            log = SmsSendPolicy.Record(log, T0.AddMinutes(i), TimeSpan.FromHours(1));
        }

        Assert.Equal(TimeSpan.FromMinutes(55), SmsSendPolicy.NumberWait(log, T0.AddMinutes(5), limits));
        Assert.Equal(TimeSpan.Zero, SmsSendPolicy.NumberWait(log, T0.AddHours(1), limits));

        // The stored log never grows past what its window needs.
        var pruned = SmsSendPolicy.Record(log, T0.AddHours(2), TimeSpan.FromHours(1));
        Assert.Single(pruned);

        var day = Enumerable.Range(0, 10).Select(i => T0.AddMinutes(i)).ToList();
        Assert.Equal(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(10), SmsSendPolicy.UserWait(day, T0.AddMinutes(10), limits));
    }

    [Fact]
    public void A_verification_keeps_its_wrong_tries_across_new_codes_and_fails_on_the_third()
    {
        var policy = new PhoneCodePolicy();
        var (_, v) = PhoneCodeVerification.Empty.Prepare(T0, [1], policy);
        (_, v) = v.Attempt(T0, _ => false, policy);
        (_, v) = v.Prepare(T0.AddMinutes(1), [2], policy);
        Assert.Equal(1, v.Attempts);
        Assert.Equal(T0.AddMinutes(11), v.ExpireAt);
        (var outcome, v) = v.Attempt(T0.AddMinutes(1), _ => false, policy);
        Assert.Equal(PhoneAttemptOutcome.Incorrect, outcome);
        (outcome, v) = v.Attempt(T0.AddMinutes(1), _ => false, policy);
        Assert.Equal(PhoneAttemptOutcome.Failed, outcome);
        Assert.Null(v.CodeHash);
        (outcome, _) = v.Attempt(T0.AddMinutes(1), _ => true, policy);
        Assert.Equal(PhoneAttemptOutcome.Failed, outcome);
        Assert.Equal(PhonePrepareOutcome.Failed, v.Prepare(T0.AddMinutes(2), [3], policy).Outcome);
    }

    [Theory]
    [InlineData("fr-CA, en;q=0.5", "fr")]
    [InlineData("de;q=0.4, es;q=0.9", "es")]
    [InlineData("pt-BR", "en")]
    [InlineData("", "en")]
    [InlineData("*", "en")]
    public void The_template_language_follows_accept_language(string header, string expected)
    {
        Assert.Equal(expected, SmsTemplate.PickLanguage(header, SmsTemplate.Defaults.Keys, "en"));
    }
}
