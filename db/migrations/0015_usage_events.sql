CREATE TABLE "active_daily_rollups" (
	"day" date PRIMARY KEY NOT NULL,
	"dau" integer NOT NULL,
	"wau" integer NOT NULL,
	"mau" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_daily_rollups" (
	"day" date NOT NULL,
	"name" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"events" integer NOT NULL,
	"actors" integer NOT NULL,
	CONSTRAINT "event_daily_rollups_day_name_subject_pk" PRIMARY KEY("day","name","subject")
);
--> statement-breakpoint
CREATE TABLE "usage_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "usage_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"user_id" uuid,
	"anonymous_id" uuid,
	"props" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_events_ts_idx" ON "usage_events" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "usage_events_received_idx" ON "usage_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "usage_events_user_idx" ON "usage_events" USING btree ("user_id","name","ts");--> statement-breakpoint
CREATE INDEX "usage_events_anonymous_idx" ON "usage_events" USING btree ("anonymous_id");