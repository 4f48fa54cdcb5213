using System.Globalization;
using Acme.Billing.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using QuestPDF.Fluent;
using QuestPDF.Helpers;

namespace Acme.Billing.Api.Controllers;

public sealed record InvoiceLineDto(string Description, decimal Amount);

public sealed record CreateInvoiceRequest(int CustomerId, string CustomerEmail, DateTime? DueAt, List<InvoiceLineDto> Lines);

public sealed record UpdateLinesRequest(List<InvoiceLineDto> Lines);

public sealed record VoidRequest(string Reason);

public sealed record PaymentRequest(decimal Amount, string Reference, DateTime? ReceivedAt);

public sealed record InvoiceSummary(int Id, string Number, string Status, decimal Total, DateTime IssuedAt, DateTime? DueAt);

[ApiController]
[Authorize]
[Route("api/invoices")]
public sealed class InvoicesController : ControllerBase
{
    private const int MaxPageSize = 200;

    private readonly BillingDbContext _db;
    private readonly ILogger<InvoicesController> _log;
    private readonly IInvoiceMailer _mailer;
    private readonly TimeProvider _clock;

    public InvoicesController(BillingDbContext db, ILogger<InvoicesController> log, IInvoiceMailer mailer, TimeProvider clock)
    {
        _db = db;
        _log = log;
        _mailer = mailer;
        _clock = clock;
    }

    // ------------------------------------------------------------------------------------------
    // Queries
    // ------------------------------------------------------------------------------------------

    [HttpGet]
    public async Task<ActionResult<IEnumerable<InvoiceSummary>>> List(
        [FromQuery] int? customerId,
        [FromQuery] InvoiceStatus? status,
        [FromQuery] int page = 1,
        [FromQuery] int pageSize = 50,
        CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var query = _db.Invoices.AsNoTracking().Include(i => i.Lines).AsQueryable();
        if (customerId is not null)
        {
            query = query.Where(i => i.CustomerId == customerId);
        }
        if (status is not null)
        {
            query = query.Where(i => i.Status == status);
        }
        var invoices = await query
            .OrderByDescending(i => i.IssuedAt)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(ct);
        return Ok(invoices.Select(ToSummary));
    }

    [HttpGet("{id:int}")]
    public async Task<ActionResult<Invoice>> Get(int id, CancellationToken ct)
    {
        var invoice = await _db.Invoices.AsNoTracking().Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct);
        return invoice is null ? NotFound() : Ok(invoice);
    }

    [HttpGet("overdue")]
    public async Task<ActionResult<IEnumerable<InvoiceSummary>>> Overdue(CancellationToken ct)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var invoices = await _db.Invoices.AsNoTracking()
            .Include(i => i.Lines)
            .Where(i => i.Status == InvoiceStatus.Issued && i.DueAt < now)
            .OrderBy(i => i.DueAt)
            .ToListAsync(ct);
        return Ok(invoices.Select(ToSummary));
    }

    // ------------------------------------------------------------------------------------------
    // Drafts
    // ------------------------------------------------------------------------------------------

    [HttpPost]
    public async Task<ActionResult<InvoiceSummary>> Create(CreateInvoiceRequest request, CancellationToken ct)
    {
        if (request.Lines.Count == 0)
        {
            return ValidationProblem("An invoice needs at least one line.");
        }
        if (request.Lines.Any(l => l.Amount <= 0))
        {
            return ValidationProblem("Line amounts must be positive; use a credit note for refunds.");
        }
        var invoice = new Invoice
        {
            CustomerId = request.CustomerId,
            CustomerEmail = request.CustomerEmail,
            DueAt = request.DueAt,
            Status = InvoiceStatus.Draft,
            Lines = request.Lines.Select(l => new InvoiceLine { Description = l.Description, Amount = l.Amount }).ToList(),
        };
        _db.Invoices.Add(invoice);
        await _db.SaveChangesAsync(ct);
        return CreatedAtAction(nameof(Get), new { id = invoice.Id }, ToSummary(invoice));
    }

    [HttpPut("{id:int}/lines")]
    public async Task<IActionResult> UpdateLines(int id, UpdateLinesRequest request, CancellationToken ct)
    {
        var invoice = await _db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null)
        {
            return NotFound();
        }
        if (invoice.Status != InvoiceStatus.Draft)
        {
            return Conflict("Only drafts can be edited.");
        }
        _db.InvoiceLines.RemoveRange(invoice.Lines);
        invoice.Lines = request.Lines.Select(l => new InvoiceLine { Description = l.Description, Amount = l.Amount }).ToList();
        await _db.SaveChangesAsync(ct);
        return NoContent();
    }

    [HttpDelete("{id:int}")]
    public async Task<IActionResult> DeleteDraft(int id, CancellationToken ct)
    {
        var invoice = await _db.Invoices.FindAsync([id], ct);
        if (invoice is null)
        {
            return NotFound();
        }
        if (invoice.Status != InvoiceStatus.Draft)
        {
            return Conflict("Issued invoices are voided, never deleted.");
        }
        _db.Invoices.Remove(invoice);
        await _db.SaveChangesAsync(ct);
        return NoContent();
    }

    // ------------------------------------------------------------------------------------------
    // Issuing
    // ------------------------------------------------------------------------------------------

    [HttpPost("{id:int}/issue")]
    public async Task<ActionResult<InvoiceSummary>> Issue(int id, CancellationToken ct)
    {
        var invoice = await _db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null)
        {
            return NotFound();
        }
        if (invoice.Status != InvoiceStatus.Draft)
        {
            return Conflict($"Invoice {invoice.Number} was already issued.");
        }
        var now = _clock.GetUtcNow().UtcDateTime;
        invoice.Number = await NextNumberAsync(now.Year, ct);
        invoice.IssuedAt = now;
        invoice.DueAt ??= now.AddDays(30);
        invoice.Status = InvoiceStatus.Issued;
        await _db.SaveChangesAsync(ct);
        _log.LogInformation("Issued invoice {Number} for customer {CustomerId}", invoice.Number, invoice.CustomerId);
        return Ok(ToSummary(invoice));
    }

    [HttpPost("{id:int}/send")]
    public async Task<IActionResult> Send(int id, CancellationToken ct)
    {
        var invoice = await _db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null)
        {
            return NotFound();
        }
        if (invoice.Status == InvoiceStatus.Draft)
        {
            return Conflict("Issue the invoice before sending it.");
        }
        await _mailer.SendAsync(invoice.CustomerEmail, invoice.Number, RenderPdf(invoice), ct);
        return Accepted();
    }

    // ------------------------------------------------------------------------------------------
    // Payments and voiding
    // ------------------------------------------------------------------------------------------

    [HttpPost("{id:int}/payments")]
    public async Task<IActionResult> RecordPayment(int id, PaymentRequest request, CancellationToken ct)
    {
        var invoice = await _db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null)
        {
            return NotFound();
        }
        if (invoice.Status is InvoiceStatus.Draft or InvoiceStatus.Void)
        {
            return Conflict($"Cannot pay an invoice in status {invoice.Status}.");
        }
        _db.Payments.Add(new Payment
        {
            InvoiceId = invoice.Id,
            Amount = request.Amount,
            Reference = request.Reference,
            ReceivedAt = request.ReceivedAt ?? _clock.GetUtcNow().UtcDateTime,
        });
        var paid = await _db.Payments.Where(p => p.InvoiceId == invoice.Id).SumAsync(p => p.Amount, ct) + request.Amount;
        if (paid >= invoice.Total)
        {
            invoice.Status = InvoiceStatus.Paid;
        }
        await _db.SaveChangesAsync(ct);
        return NoContent();
    }

    [HttpPost("{id:int}/void")]
    public async Task<IActionResult> Void(int id, VoidRequest request, CancellationToken ct)
    {
        var invoice = await _db.Invoices.FindAsync([id], ct);
        if (invoice is null)
        {
            return NotFound();
        }
        if (invoice.Status == InvoiceStatus.Paid)
        {
            return Conflict("Paid invoices need a credit note instead.");
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return ValidationProblem("A reason is required to void an invoice.");
        }
        invoice.Status = InvoiceStatus.Void;
        invoice.VoidReason = request.Reason.Trim();
        await _db.SaveChangesAsync(ct);
        _log.LogWarning("Voided invoice {Number}: {Reason}", invoice.Number, invoice.VoidReason);
        return NoContent();
    }

    // ------------------------------------------------------------------------------------------
    // Documents
    // ------------------------------------------------------------------------------------------

    [HttpGet("{id:int}/pdf")]
    public async Task<IActionResult> Pdf(int id, CancellationToken ct)
    {
        var invoice = await _db.Invoices.AsNoTracking().Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null)
        {
            return NotFound();
        }
        return File(RenderPdf(invoice), "application/pdf", $"{invoice.Number}.pdf");
    }

    private static byte[] RenderPdf(Invoice invoice)
    {
        var culture = CultureInfo.GetCultureInfo("de-DE");
        return Document.Create(container => container.Page(page =>
        {
            page.Size(PageSizes.A4);
            page.Margin(40);
            page.Header().Text($"Invoice {invoice.Number}").FontSize(20).SemiBold();
            page.Content().Column(column =>
            {
                column.Item().Text($"Issued {invoice.IssuedAt:yyyy-MM-dd}, due {invoice.DueAt:yyyy-MM-dd}");
                foreach (var line in invoice.Lines)
                {
                    column.Item().Row(row =>
                    {
                        row.RelativeItem().Text(line.Description);
                        row.ConstantItem(100).AlignRight().Text(line.Amount.ToString("C", culture));
                    });
                }
                column.Item().AlignRight().Text($"Total {invoice.Total.ToString("C", culture)}").SemiBold();
            });
        })).GeneratePdf();
    }

    private async Task<string> NextNumberAsync(int year, CancellationToken ct)
    {
        var prefix = $"{year}-";
        var last = await _db.Invoices
            .Where(i => i.Number.StartsWith(prefix))
            .OrderByDescending(i => i.Number)
            .Select(i => i.Number)
            .FirstOrDefaultAsync(ct);
        var next = last is null ? 1 : int.Parse(last[prefix.Length..], CultureInfo.InvariantCulture) + 1;
        return $"{prefix}{next:D4}";
    }

    private static InvoiceSummary ToSummary(Invoice i) =>
        new(i.Id, i.Number, i.Status.ToString(), i.Total, i.IssuedAt, i.DueAt);
}

public interface IInvoiceMailer
{
    Task SendAsync(string to, string invoiceNumber, byte[] pdf, CancellationToken ct);
}
