// pgx (Go's PostgreSQL driver; Debian's golang-github-jackc-pgx-v4-dev)
// against a running `hindsight serve` on the demo database: what Go
// programs send. Its default mode prepares each statement (Parse,
// Describe) and asks for results in binary; its simple-protocol mode puts
// the parameters into the text itself. Parameters of Go types (string,
// time.Time, int64, float64, bool), timestamptz results with infinity,
// json values, a transaction committed and one rolled back, an error's
// SQLSTATE and position, the failed transaction after it, and a batch
// (pgx.Batch: one Sync) as one transaction.
// usage: client PORT [simple]
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgtype"
	"github.com/jackc/pgx/v4"
)

func check(ok bool, format string, args ...interface{}) {
	if !ok {
		panic(fmt.Sprintf(format, args...))
	}
}

func must(err error, what string) {
	check(err == nil, "%s: %v", what, err)
}

// The rows of a read as "s|p|o|value|from|to", times in RFC 3339 or "infinity".
func readRows(ctx context.Context, conn *pgx.Conn, sql string, args ...interface{}) []string {
	rows, err := conn.Query(ctx, sql, args...)
	must(err, sql)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s, p, o string
		var value []byte
		var from, to pgtype.Timestamptz
		must(rows.Scan(&s, &p, &o, &value, &from, &to), "scan "+sql)
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%s", s, p, o, value, when(from), when(to)))
	}
	must(rows.Err(), sql)
	return out
}

func when(t pgtype.Timestamptz) string {
	switch t.InfinityModifier {
	case pgtype.Infinity:
		return "infinity"
	case pgtype.NegativeInfinity:
		return "-infinity"
	}
	return t.Time.UTC().Format(time.RFC3339)
}

func count(ctx context.Context, conn *pgx.Conn, sql string) int64 {
	var n int64
	must(conn.QueryRow(ctx, sql).Scan(&n), sql)
	return n
}

func sqlError(err error) *pgconn.PgError {
	var pgErr *pgconn.PgError
	check(errors.As(err, &pgErr), "not a server error: %v", err)
	return pgErr
}

func run(ctx context.Context, url string) {
	conn, err := pgx.Connect(ctx, url)
	must(err, "connect")
	defer conn.Close(ctx)
	check(conn.PgConn().ParameterStatus("server_version") != "", "server_version")

	// Parameters as strings and as a time.Time, read as then believed.
	believed := readRows(ctx, conn, "Syria diplomatic_relations $1 at $2 as of $3", "Ukraine",
		time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), "2025-01-01")
	want := []string{`Syria|diplomatic_relations|Ukraine|"talks"|2024-12-30T00:00:00Z|infinity`}
	check(reflect.DeepEqual(believed, want), "as of 2025-01-01: %v", believed)
	check(count(ctx, conn, "count * * *") == 35, "count of the demo")
	var asOfTx int64
	must(conn.QueryRow(ctx, "count * * * as of tx $1", int64(2)).Scan(&asOfTx), "as of tx $1")
	check(asOfTx > 0 && asOfTx < 35, "count as of tx 2: %d", asOfTx)

	// Writes with values of Go types, in a transaction.
	tx, err := conn.Begin(ctx)
	must(err, "begin")
	for i, v := range []interface{}{int64(1) << 40, 4.5, true, "Côte d'Ivoire"} {
		_, err = tx.Exec(ctx, "assert $1 stores Go = $2 from $3", fmt.Sprintf("kind%d", i), v,
			time.Date(2020, 1, 1, 2, 0, 0, 0, time.FixedZone("", 2*3600)))
		must(err, "assert in a transaction")
	}
	must(tx.Commit(ctx), "commit")
	stored := readRows(ctx, conn, "* stores Go")
	want = []string{
		"kind0|stores|Go|1099511627776|2020-01-01T00:00:00Z|infinity",
		"kind1|stores|Go|4.5|2020-01-01T00:00:00Z|infinity",
		"kind2|stores|Go|true|2020-01-01T00:00:00Z|infinity",
		`kind3|stores|Go|"Côte d'Ivoire"|2020-01-01T00:00:00Z|infinity`,
	}
	check(reflect.DeepEqual(stored, want), "the transaction's rows: %v", stored)

	// An error names its SQLSTATE and position; the transaction is failed
	// until rollback, and nothing of it is applied.
	tx, err = conn.Begin(ctx)
	must(err, "begin")
	_, err = tx.Exec(ctx, "assert Lost p q = 1 from 2020")
	must(err, "assert")
	_, err = tx.Exec(ctx, "Syria * * at 2025-13-01")
	e := sqlError(err)
	check(e.Code == "22007" && e.Position == 14, "bad time literal: %s at %d", e.Code, e.Position)
	_, err = tx.Exec(ctx, "count * * *")
	check(sqlError(err).Code == "25P02", "failed transaction: %v", err)
	must(tx.Rollback(ctx), "rollback")
	check(count(ctx, conn, "count Lost * *") == 0, "a rolled back write")

	// A batch goes with one Sync: its writes are one transaction, all
	// committed or, after an error, none.
	batch := &pgx.Batch{}
	for _, from := range []string{"2020", "2021", "2025-13-01"} {
		batch.Queue("assert $1 p q = 1 from $2", "Batched"+from, from)
	}
	err = conn.SendBatch(ctx, batch).Close()
	check(err != nil && sqlError(err).Code == "22007", "a batch with a bad month: %v", err)
	check(count(ctx, conn, "count * p q") == 0, "a failed batch's writes")
	batch = &pgx.Batch{}
	batch.Queue("assert Batched1 p q = 1 from 2020")
	batch.Queue("assert Batched2 p q = 2 from 2020")
	must(conn.SendBatch(ctx, batch).Close(), "batch")
	check(count(ctx, conn, "count * p q") == 2, "a batch's writes")

	// History: tx times and int8 tx ids; an integer parameter as a limit.
	rows, err := conn.Query(ctx, "history Syria diplomatic_relations Ukraine limit $1", 5)
	must(err, "history")
	n := 0
	for rows.Next() {
		var s, p, o, source string
		var value []byte
		var from, to, txFrom, txTo pgtype.Timestamptz
		var id int64
		must(rows.Scan(&s, &p, &o, &value, &from, &to, &txFrom, &txTo, &id, &source), "scan history")
		check(id > 0 && source != "" && txFrom.InfinityModifier == pgtype.None, "history row %d", n)
		n++
	}
	must(rows.Err(), "history")
	check(n == 5, "history rows: %d", n)

}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := "postgres://go@127.0.0.1:" + os.Args[1] + "/hindsight"
	if len(os.Args) > 2 && os.Args[2] == "simple" {
		url += "?prefer_simple_protocol=true"
	}
	run(ctx, url)
}
