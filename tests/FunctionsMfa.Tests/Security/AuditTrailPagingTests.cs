using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Security;

/// <summary><c>GET /v1/users/{id}/events</c> pages with <c>limit</c> and a <c>before</c> cursor, so every event can be read.</summary>
public sealed class AuditTrailPagingTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    private const int EventCount = 130;

    /// <summary>A user with <see cref="EventCount"/> <c>user.unlocked</c> events, one second apart.</summary>
    private async Task<string> UserWithEventsAsync()
    {
        var userId = Wire.NewUserId();
        var backend = app.BackendClient();
        for (var i = 0; i < EventCount; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            var response = await backend.PostAsync($"/v1/users/{userId}/unlock", null);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        return userId;
    }

    private async Task<List<JsonElement>> ReadAllAsync(string userId, string query)
    {
        var all = new List<JsonElement>();
        string? before = null;
        for (var page = 0; page < 10; page++)
        {
            var url = $"/v1/users/{userId}/events?{query}" + (before is null ? string.Empty : "&before=" + before);
            var body = await (await app.BackendClient().GetAsync(url)).JsonAsync();
            var data = body.GetProperty("data").EnumerateArray().ToList();
            all.AddRange(data);
            Assert.Equal(data.Count, body.GetProperty("total_count").GetInt32());
            if (!body.GetProperty("has_more").GetBoolean())
            {
                return all;
            }

            Assert.NotEmpty(data);
            before = data[^1].GetProperty("id").GetString();
        }

        Assert.Fail("Paging did not end.");
        return all;
    }

    [Fact]
    public async Task More_than_100_events_are_all_read_newest_first_in_pages_of_100()
    {
        var userId = await UserWithEventsAsync();

        var first = await (await app.BackendClient().GetAsync($"/v1/users/{userId}/events?limit=100")).JsonAsync();
        Assert.Equal(100, first.GetProperty("data").GetArrayLength());
        Assert.True(first.GetProperty("has_more").GetBoolean());

        var all = await ReadAllAsync(userId, "limit=100");
        Assert.Equal(EventCount, all.Count);
        Assert.Equal(EventCount, all.Select(e => e.GetProperty("id").GetString()).Distinct().Count());
        var times = all.Select(e => e.GetProperty("created_at").GetInt64()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeMilliseconds(), times[0]);
        Assert.Equal(app.Time.GetUtcNow().AddSeconds(1 - EventCount).ToUnixTimeMilliseconds(), times[^1]);
        Assert.All(all, e => Assert.Equal("user.unlocked", e.GetProperty("type").GetString()));

        // The default page (50) reads the same trail in three pages.
        var byDefault = await ReadAllAsync(userId, string.Empty);
        Assert.Equal(all.Select(e => e.GetProperty("id").GetString()), byDefault.Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task The_last_page_says_there_is_no_more_and_a_cursor_past_the_oldest_event_gives_an_empty_page()
    {
        var userId = Wire.NewUserId();
        await app.BackendClient().PostAsync($"/v1/users/{userId}/unlock", null);
        var only = await (await app.BackendClient().GetAsync($"/v1/users/{userId}/events?limit=1")).JsonAsync();
        Assert.False(only.GetProperty("has_more").GetBoolean());
        var id = only.GetProperty("data")[0].GetProperty("id").GetString();

        var after = await (await app.BackendClient().GetAsync($"/v1/users/{userId}/events?before={id}")).JsonAsync();
        Assert.Equal(0, after.GetProperty("data").GetArrayLength());
        Assert.False(after.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("before=0000000000000000000_0123abcd")]
    [InlineData("before=0000000000000000000_evt_abcdefghijklmnopqrstuvwxyz_0")]
    public async Task A_cursor_in_either_form_of_event_id_is_accepted(string query)
    {
        var body = await (await app.BackendClient().GetAsync($"/v1/users/{Wire.NewUserId()}/events?{query}")).JsonAsync();
        Assert.Equal(0, body.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("limit=101", "form_param_value_invalid", "limit")]
    [InlineData("limit=0", "form_param_value_invalid", "limit")]
    [InlineData("before=not-an-event", "form_param_format_invalid", "before")]
    [InlineData("before=0000000000000000000_ZZZZZZZZ", "form_param_format_invalid", "before")]
    [InlineData("before=000000000000000000_0123abcd", "form_param_format_invalid", "before")]
    public async Task A_limit_out_of_range_or_a_malformed_cursor_is_refused(string query, string code, string param)
    {
        var error = await (await app.BackendClient().GetAsync($"/v1/users/{Wire.NewUserId()}/events?{query}")).ErrorAsync(422, code);
        Assert.Equal(param, error.GetProperty("meta").GetProperty("param_name").GetString());
    }
}
