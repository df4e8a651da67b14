using System.Net;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Sms;
using PhoneNumbers;

namespace FunctionsMfa.Tests.PhoneNumbers;

[Collection(SmsQueueCollection.Name)]
public sealed class PhoneNumberTests(PhoneAppFactory app) : IClassFixture<PhoneAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient NewUser(out string userId)
    {
        userId = Wire.NewUserId();
        return app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: null));
    }

    [Fact]
    public async Task A_number_is_added_verified_by_sms_and_shown_on_the_user()
    {
        var client = NewUser(out _);
        var number = TestNumbers.NewUs();
        var formatted = $"+1 ({number[2..5]}) {number[5..8]}-{number[8..]}";

        var added = await client.AddAsync(formatted);
        Assert.Equal("phone_number", added.GetProperty("object").GetString());
        Assert.Equal(number, added.GetProperty("phone_number").GetString());
        Assert.StartsWith("idn_", added.GetProperty("id").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, added.GetProperty("verification").ValueKind);
        Assert.False(added.GetProperty("reserved_for_second_factor").GetBoolean());
        Assert.False(added.GetProperty("default_second_factor").GetBoolean());
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeMilliseconds(), added.GetProperty("created_at").GetInt64());
        var id = added.GetProperty("id").GetString()!;

        var prepared = await client.PrepareAsync(id);
        var verification = prepared.GetProperty("verification");
        Assert.Equal("unverified", verification.GetProperty("status").GetString());
        Assert.Equal("phone_code", verification.GetProperty("strategy").GetString());
        Assert.Equal(0, verification.GetProperty("attempts").GetInt32());
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(10).ToUnixTimeMilliseconds(), verification.GetProperty("expire_at").GetInt64());

        var code = await app.NextCodeAsync(number);
        Assert.Matches("^[0-9]{6}$", code);
        var sms = app.Sms.Sent.Last(s => s.To == number);
        Assert.Contains(code, sms.Body, StringComparison.Ordinal);
        Assert.Contains("FunctionsMfa Test", sms.Body, StringComparison.Ordinal);
        Assert.Contains("10 minutes", sms.Body, StringComparison.Ordinal);

        var verified = await (await client.AttemptAsync(id, code)).JsonAsync();
        Assert.Equal("verified", verified.GetProperty("verification").GetProperty("status").GetString());

        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        var listed = me.GetProperty("phone_numbers")[0];
        Assert.Equal(id, listed.GetProperty("id").GetString());
        Assert.True(listed.GetProperty("verified").GetBoolean());
        Assert.False(me.GetProperty("two_factor_enabled").GetBoolean());

        var again = await client.AttemptAsync(id, code);
        await again.ErrorAsync(400, "verification_already_verified");
    }

    [Theory]
    [InlineData("+1 555")]
    [InlineData("+1 201 555 O123")]
    [InlineData("+1-800-FLOWERS")]
    [InlineData("+1234567890123456789012345678901234567890")]
    [InlineData("2015550123")]
    [InlineData("+44 20")]
    [InlineData("++12015550123")]
    public async Task An_invalid_number_is_refused_as_a_format_error(string number)
    {
        var client = NewUser(out _);
        var response = await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = number });
        var error = await response.ErrorAsync(422, "form_param_format_invalid");
        Assert.Equal("phone_number", error.GetProperty("meta").GetProperty("param_name").GetString());
    }

    [Fact]
    public async Task A_number_is_stored_once_per_user_however_it_is_written()
    {
        var client = NewUser(out var userId);
        var number = TestNumbers.NewUs();
        await client.AddAsync(number);
        var again = await client.PostAsync("/v1/me/phone_numbers", Wire.Form(("phone_number", $"+1 {number[2..5]} {number[5..8]} {number[8..]}")));
        await again.ErrorAsync(422, "form_identifier_exists");

        var other = app.ClientWithToken(app.SessionToken(Wire.NewUserId(), null));
        await other.AddAsync(number);

        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(1, me.GetProperty("phone_numbers").GetArrayLength());
        Assert.NotNull(userId);
    }

    [Fact]
    public async Task Concurrent_adds_of_one_number_store_it_once()
    {
        var client = NewUser(out _);
        var number = TestNumbers.NewUs();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = number })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode));
    }

    [Fact]
    public async Task Numbers_outside_the_allowed_countries_are_refused_before_anything_is_stored()
    {
        var client = NewUser(out _);
        var jamaica = TestNumbers.Example("JM", PhoneNumberType.MOBILE);
        var response = await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = jamaica });
        await response.ErrorAsync(422, "unsupported_country_code");
        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(0, me.GetProperty("phone_numbers").GetArrayLength());
    }

    [Theory]
    [InlineData("US", PhoneNumberType.PREMIUM_RATE)]
    [InlineData("GB", PhoneNumberType.PREMIUM_RATE)]
    [InlineData("FR", PhoneNumberType.SHARED_COST)]
    public async Task Premium_rate_and_shared_cost_numbers_are_refused(string region, PhoneNumberType type)
    {
        var client = NewUser(out _);
        var response = await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = TestNumbers.Example(region, type) });
        await response.ErrorAsync(422, "phone_number_type_not_allowed");
    }

    [Fact]
    public async Task A_code_expires_at_the_exact_edge_of_its_ten_minutes()
    {
        var client = NewUser(out var userId);
        var inTime = TestNumbers.NewUs();
        var late = TestNumbers.NewUs();
        var inTimeId = (await client.AddAsync(inTime)).GetProperty("id").GetString()!;
        var lateId = (await client.AddAsync(late)).GetProperty("id").GetString()!;
        await client.PrepareAsync(inTimeId);
        await client.PrepareAsync(lateId);
        var inTimeCode = await app.NextCodeAsync(inTime);
        var lateCode = await app.NextCodeAsync(late);

        app.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        // The session token lives 10 minutes too: a fresh one for the same user.
        client = app.ClientWithToken(app.SessionToken(userId, null));
        var ok = await client.AttemptAsync(inTimeId, inTimeCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        app.Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await client.AttemptAsync(lateId, lateCode);
        await expired.ErrorAsync(422, "verification_expired");
    }

    [Fact]
    public async Task Three_wrong_codes_end_the_verification_and_the_right_one_no_longer_works()
    {
        var client = NewUser(out _);
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);
        var code = await app.NextCodeAsync(number);
        var wrong = code == "000000" ? "111111" : "000000";

        var first = await (await client.AttemptAsync(id, wrong)).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(2, first.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        var second = await (await client.AttemptAsync(id, wrong)).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(1, second.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        await (await client.AttemptAsync(id, wrong)).ErrorAsync(422, "verification_failed");
        await (await client.AttemptAsync(id, code)).ErrorAsync(422, "verification_failed");

        app.Time.Advance(TimeSpan.FromMinutes(1));
        var prepare = await client.PostAsync($"/v1/me/phone_numbers/{id}/prepare_verification", null);
        await prepare.ErrorAsync(422, "verification_failed");
    }

    [Fact]
    public async Task A_new_code_replaces_the_previous_one_and_keeps_the_wrong_tries()
    {
        var client = NewUser(out _);
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);
        var firstCode = await app.NextCodeAsync(number);
        var wrong = firstCode == "000000" ? "111111" : "000000";
        await (await client.AttemptAsync(id, wrong)).ErrorAsync(422, "form_code_incorrect");

        app.Time.Advance(TimeSpan.FromSeconds(30));
        var again = await client.PrepareAsync(id);
        Assert.Equal(1, again.GetProperty("verification").GetProperty("attempts").GetInt32());
        var secondCode = await app.NextCodeAsync(number);

        if (secondCode != firstCode)
        {
            var old = await (await client.AttemptAsync(id, firstCode)).ErrorAsync(422, "form_code_incorrect");
            Assert.Equal(1, old.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        }

        var ok = await client.AttemptAsync(id, secondCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData(" 123456")]
    [InlineData("123 456")]
    [InlineData("+12345")]
    [InlineData("１２３４５６")]
    [InlineData("١٢٣٤٥٦")]
    [InlineData("12345a")]
    public async Task A_code_that_is_not_exactly_six_ascii_digits_is_refused_without_spending_a_try(string code)
    {
        var client = NewUser(out _);
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);
        await (await client.AttemptAsync(id, code)).ErrorAsync(422, "form_param_format_invalid");
        await app.DrainAsync();

        app.Time.Advance(TimeSpan.FromSeconds(30));
        var again = await client.PrepareAsync(id);
        Assert.Equal(0, again.GetProperty("verification").GetProperty("attempts").GetInt32());
        await app.DrainAsync();
    }

    [Fact]
    public async Task Of_twenty_parallel_attempts_with_one_code_exactly_one_succeeds()
    {
        var client = NewUser(out _);
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);
        var code = await app.NextCodeAsync(number);

        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 24).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await client.AttemptAsync(id, code);
        })).ToList();
        start.Set();
        var responses = await Task.WhenAll(attempts);

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            await response.ErrorAsync(400, "verification_already_verified");
        }
    }

    [Fact]
    public async Task Another_users_number_is_not_found()
    {
        var owner = NewUser(out _);
        var id = (await owner.AddAsync(TestNumbers.NewUs())).GetProperty("id").GetString()!;
        var stranger = NewUser(out _);
        await (await stranger.PostAsync($"/v1/me/phone_numbers/{id}/prepare_verification", null)).ErrorAsync(404, "resource_not_found");
        await (await stranger.AttemptAsync(id, "123456")).ErrorAsync(404, "resource_not_found");
        await (await stranger.DeleteAsync($"/v1/me/phone_numbers/{id}")).ErrorAsync(404, "resource_not_found");
        await (await stranger.PatchAsync($"/v1/me/phone_numbers/{id}", Wire.Json(new { reserved_for_second_factor = true }))).ErrorAsync(404, "resource_not_found");
        await (await stranger.DeleteAsync("/v1/me/phone_numbers/not-an-id")).ErrorAsync(404, "resource_not_found");
    }
}
