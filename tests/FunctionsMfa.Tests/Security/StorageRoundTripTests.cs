using System.Net;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;
using FunctionsMfa.Tests.Sms;
using Xunit.Abstractions;

namespace FunctionsMfa.Tests.Security;

/// <summary>
/// The storage requests of each uncontended operation, counted at the storage clients' pipeline: their latency floor
/// and their cost. Each is pinned, so a change that adds a round trip fails here and must say why.
/// </summary>
[Collection(SmsQueueCollection.Name)]
public sealed class StorageRoundTripTests(FaultAppFactory app, ITestOutputHelper output) : IClassFixture<FaultAppFactory>
{
    // The targets of issue 11 ("Storage round trips at the floor"); docs/storage.md lists each operation's requests.

    [Fact]
    public async Task A_totp_sign_in_takes_three_storage_requests_right_or_wrong()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var signIn = await app.StartSignInAsync(user.UserId);
        // The sign-in's creation row (the client token's check), the user's partition, the outcome's one transaction.
        Assert.Equal(3, await CountAsync("totp wrong", () => app.AttemptAsync(signIn, "totp", "000000"), HttpStatusCode.UnprocessableEntity));
        Assert.Equal(3, await CountAsync("totp success", () => app.AttemptAsync(signIn, "totp", app.TotpCode(user.TotpSecret))));
    }

    [Fact]
    public async Task A_backup_code_sign_in_takes_three_storage_requests()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);
        Assert.Equal(3, await CountAsync("backup_code success", () => app.AttemptAsync(signIn, "backup_code", user.BackupCodes[0])));
    }

    [Fact]
    public async Task A_phone_code_sign_in_takes_six_requests_to_prepare_and_three_to_attempt()
    {
        var (userId, number) = await app.UserWithSecondFactorPhoneAsync();
        var signIn = await app.StartSignInAsync(userId);
        // The creation row, the partition, the number's SMS limit (read, write), the transaction, then the enqueue.
        Assert.Equal(6, await CountAsync("prepare_second_factor phone_code", () =>
            app.ClientWithToken(signIn.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code" })));
        var code = await app.NextCodeAsync(number);
        Assert.Equal(3, await CountAsync("phone_code wrong", () => app.AttemptAsync(signIn, "phone_code", code == "000000" ? "111111" : "000000"), HttpStatusCode.UnprocessableEntity));
        Assert.Equal(3, await CountAsync("phone_code success", () => app.AttemptAsync(signIn, "phone_code", code)));
    }

    [Fact]
    public async Task Sign_ins_take_two_storage_requests_with_a_factor_and_three_without()
    {
        var backend = app.BackendClient();
        var userId = Wire.NewUserId();
        Assert.Equal(3, await CountAsync("POST /v1/sign_ins (no factor)", () => backend.PostJsonAsync("/v1/sign_ins", new { user_id = userId })));
        Assert.Equal(3, await CountAsync("POST /v1/sign_ins (no factor, new label)", () => backend.PostJsonAsync("/v1/sign_ins", new { user_id = userId, user_label = "ada@example.com" })));
        var user = await app.EnrolAsync(Wire.NewUserId());
        Assert.Equal(2, await CountAsync("POST /v1/sign_ins (with factor)", () => backend.PostJsonAsync("/v1/sign_ins", new { user_id = user.UserId })));
    }

    [Fact]
    public async Task Enrolment_and_the_me_routes_take_few_storage_requests()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        // Every /v1/me request checks its session in the partition query it needs anyway: that is its first request.
        Assert.Equal(1, await CountAsync("GET /v1/me", () => client.GetAsync("/v1/me")));
        var secret = string.Empty;
        Assert.Equal(2, await CountAsync("POST /v1/me/totp", async () =>
        {
            var response = await client.PostAsync("/v1/me/totp", null);
            secret = (await response.JsonAsync()).GetProperty("secret").GetString()!;
            return response;
        }));
        Assert.Equal(2, await CountAsync("POST /v1/me/totp/attempt_verification", () => client.PostJsonAsync("/v1/me/totp/attempt_verification", new { code = app.TotpCode(secret) })));
        Assert.Equal(2, await CountAsync("POST /v1/me/backup_codes", () => client.PostAsync("/v1/me/backup_codes", null)));
        var number = TestNumbers.NewUs();
        var id = string.Empty;
        Assert.Equal(2, await CountAsync("POST /v1/me/phone_numbers", async () =>
        {
            var response = await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = number });
            id = (await response.JsonAsync()).GetProperty("id").GetString()!;
            return response;
        }));
        // The partition, the number's SMS limit (read, write), the transaction, then the enqueue.
        Assert.Equal(5, await CountAsync("POST /v1/me/phone_numbers/{id}/prepare_verification", () => client.PostAsync($"/v1/me/phone_numbers/{id}/prepare_verification", null)));
        var code = await app.NextCodeAsync(number);
        Assert.Equal(2, await CountAsync("POST /v1/me/phone_numbers/{id}/attempt_verification (wrong)", () => client.AttemptAsync(id, code == "000000" ? "111111" : "000000"), HttpStatusCode.UnprocessableEntity));
        Assert.Equal(2, await CountAsync("POST /v1/me/phone_numbers/{id}/attempt_verification", () => client.AttemptAsync(id, code)));
    }

    [Fact]
    public async Task The_app_counts_its_own_storage_requests_on_each_invocation_span()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Functions.Hosting.MfaTelemetry.SourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        // A trace of its own, so the span is this invocation's whatever else runs at the same time.
        var trace = System.Diagnostics.ActivityTraceId.CreateRandom();
        var counted = await CountAsync("backup_code success", () =>
        {
            var client = app.ClientWithToken(signIn.ClientToken);
            client.DefaultRequestHeaders.Add("traceparent", $"00-{trace}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
            return client.PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/attempt_second_factor", new { strategy = "backup_code", code = user.BackupCodes[1] });
        });

        var span = Assert.Single(spans, s => s.TraceId == trace);
        Assert.Equal("AttemptSignInSecondFactor", span.GetTagItem("faas.name"));
        Assert.Equal(counted, span.GetTagItem("mfa.storage.requests"));
    }

    private async Task<int> CountAsync(string operation, Func<Task<HttpResponseMessage>> act, HttpStatusCode expected = HttpStatusCode.OK)
    {
        app.Faults.Count();
        var response = await act();
        var requests = app.Faults.Requests;
        app.Faults.Disarm();
        Assert.True(response.StatusCode == expected, $"{operation}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        output.WriteLine($"{operation}: {requests} storage requests");
        return requests;
    }
}
