// Source: written for sondhan from the spellings and word pairs of Bangladeshi and Indian
// Bengali news (names each paper transliterates its own way, English loanwords beside their
// Bengali words, Bangladeshi and West Bengal usage). Spelling differences the analyzer already
// folds (ী/ি, ণ/ন, ষ/স, ফত/প্ত, গরীব/গরিব) need no entry here.
#include "sondhan/analyzers/news_synonyms.h"

namespace sondhan::analyzers {

const std::vector<std::string_view>& spelling_groups() {
  static const std::vector<std::string_view> kGroups = {
      // Countries, places and organisations.
      "ইসরাইল ইসরায়েল ইসরাঈল", "ফিলিস্তিন প্যালেস্টাইন", "ইউক্রেন ইউক্রেইন",
      "মিয়ানমার মায়ানমার", "চীন চায়না", "ভারত ইন্ডিয়া",
      "আফগানিস্তান আফগানিস্থান", "পাকিস্তান পাকিস্থান", "চট্টগ্রাম চিটাগাং",
      "বেইজিং বেজিং", "তেহরান তেহেরান", "কিয়েভ কিয়েফ কিইভ", "গাজা গাযা",
      "তালেবান তালিবান", "হিজবুল্লাহ হিজবুল্লা",
      // People.
      "পুতিন পুটিন", "এরদোগান এরদোয়ান",
      // Loanwords.
      "হাসপাতাল হসপিটাল", "ভ্যাকসিন ভ্যাক্সিন",
      "ফেসবুক ফেইসবুক", "ইউটিউব ইউটুব", "হোয়াটসঅ্যাপ হোয়াটসআপ", "ওষুধ ঔষধ",
      "আমফান আম্পান আম্ফান",
  };
  return kGroups;
}

const std::vector<std::string_view>& paraphrase_groups() {
  static const std::vector<std::string_view> kGroups = {
      // Names of one country or thing.
      "যুক্তরাষ্ট্র আমেরিকা মার্কিন", "যুক্তরাজ্য ব্রিটেন", "রাশিয়া রুশ", "তুরস্ক তুর্কি",
      "করোনা করোনাভাইরাস কোভিড", "টিকা ভ্যাকসিন ভ্যাক্সিন",
      // A loanword and its Bengali word.
      "উড়ান ফ্লাইট", "বিমানবন্দর এয়ারপোর্ট", "বিমান উড়োজাহাজ", "সেতু ব্রিজ",
      "ঘূর্ণিঝড় সাইক্লোন", "বিশ্ববিদ্যালয় ভার্সিটি", "স্কুল বিদ্যালয়", "আদালত কোর্ট",
      "কারাগার জেল", "রাষ্ট্রপতি প্রেসিডেন্ট", "অধিনায়ক ক্যাপ্টেন", "কোচ প্রশিক্ষক",
      "চলচ্চিত্র সিনেমা", "মোবাইল মুঠোফোন", "চিকিৎসক ডাক্তার", "প্রকৌশলী ইঞ্জিনিয়ার",
      "সংসদ পার্লামেন্ট", "সাংসদ এমপি", "নির্বাচন ইলেকশন",
      // Words for the same thing, formal and everyday, or Bangladeshi and West Bengal.
      "হামলা আক্রমণ", "গ্রেপ্তার আটক", "আগুন অগ্নিকাণ্ড", "বিক্ষোভ প্রতিবাদ",
      "সেনা সৈন্য সেনাবাহিনী সৈনিক", "আইনজীবী উকিল", "ফাঁসি মৃত্যুদণ্ড", "বন্যা প্লাবন",
      "শিক্ষার্থী ছাত্র ছাত্রী", "দাম মূল্য", "পত্রিকা সংবাদপত্র", "খবর সংবাদ", "কৃষক চাষি",
      "নারী মহিলা", "শিশু বাচ্চা", "মরদেহ লাশ মৃতদেহ", "হত্যা খুন", "ঘুষ উৎকোচ",
      "সাগর সমুদ্র", "পাহাড় পর্বত", "সড়ক রাস্তা", "পানি জল", "মাংস গোশত", "গোসল স্নান",
  };
  return kGroups;
}

}  // namespace sondhan::analyzers
